import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A fenced code block of a reply: monospace, selectable, with its language and a copy button.
Rectangle {
    id: block

    required property var app
    required property string code
    property string language: ""
    readonly property bool dark: sys.window.hslLightness < 0.5

    readonly property real naturalWidth: Math.max(measure.implicitWidth + 22, header.implicitWidth + 12)

    implicitWidth: naturalWidth
    implicitHeight: header.implicitHeight + codeText.implicitHeight + 14
    radius: 6
    color: dark ? Qt.darker(sys.base, 1.35) : Qt.darker(sys.base, 1.05)
    border.color: dark ? Qt.lighter(sys.base, 1.6) : Qt.darker(sys.base, 1.2)

    SystemPalette {
        id: sys
    }

    RowLayout {
        id: header
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.leftMargin: 10
        anchors.rightMargin: 2

        Label {
            Layout.fillWidth: true
            text: block.language.length > 0 ? block.language : qsTr("code")
            font.pixelSize: Theme.px(11)
            opacity: 0.7
        }
        ToolButton {
            id: copyButton
            property bool copied: false
            text: copied ? qsTr("Copied") : qsTr("Copy")
            font.pixelSize: Theme.px(11)
            onClicked: {
                block.app.copyText(block.code)
                copied = true
                resetTimer.restart()
            }
            Accessible.name: qsTr("Copy the code")
            Timer {
                id: resetTimer
                interval: 1500
                onTriggered: copyButton.copied = false
            }
        }
    }

    TextEdit {
        id: codeText
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: header.bottom
        anchors.margins: 10
        anchors.topMargin: 0
        text: block.code
        textFormat: TextEdit.PlainText
        font.family: "monospace"
        font.pixelSize: Theme.px(13)
        readOnly: true
        selectByMouse: true
        wrapMode: TextEdit.WrapAnywhere
        color: sys.text
        selectionColor: sys.highlight
        Accessible.role: Accessible.StaticText
        Accessible.name: qsTr("Code: %1").arg(block.code)
    }

    Text {
        id: measure
        visible: false
        text: block.code
        font: codeText.font
    }
}
