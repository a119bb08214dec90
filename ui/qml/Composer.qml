import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Where a message or a question is typed: Enter sends, Shift+Enter adds a line; while a reply
// is generated the button stops it (the reply so far is kept).
RowLayout {
    id: composer

    property bool busy: false
    property bool canSend: true
    property string placeholder: ""
    property bool canAttach: false  // offers "Read a document into this chat…"

    signal submitted(string text)
    signal stopRequested
    signal attachRequested

    function focusInput() {
        input.forceActiveFocus()
    }
    function submit() {
        if (busy || !canSend || input.text.trim().length === 0) return
        const text = input.text
        input.clear()
        submitted(text)
    }

    spacing: 8

    ToolButton {
        objectName: "readIntoChatButton"
        visible: composer.canAttach
        Layout.preferredHeight: 44
        text: qsTr("+ Document")
        enabled: !composer.busy && composer.canSend
        onClicked: composer.attachRequested()
        ToolTip.visible: hovered
        ToolTip.text: qsTr("Read a .txt, .md or .pdf file into this chat: the next questions remember it and the dialogue")
        Accessible.name: qsTr("Read a document into this chat")
    }

    ScrollView {
        Layout.fillWidth: true
        Layout.preferredHeight: Math.min(Math.max(input.implicitHeight, 44), 160)

        TextArea {
            id: input
            objectName: "input"
            placeholderText: composer.placeholder
            wrapMode: TextEdit.Wrap
            font.pixelSize: Theme.px(14)
            Keys.onReturnPressed: event => {
                if (event.modifiers & Qt.ShiftModifier) {
                    event.accepted = false
                } else {
                    composer.submit()
                }
            }
            Keys.onEnterPressed: event => {
                if (event.modifiers & Qt.ShiftModifier) event.accepted = false
                else composer.submit()
            }
            Accessible.name: qsTr("Message")
            Accessible.description: composer.placeholder
        }
    }

    Button {
        Layout.preferredHeight: 44
        Layout.preferredWidth: 86
        text: composer.busy ? qsTr("Stop") : qsTr("Send")
        highlighted: !composer.busy
        enabled: composer.busy || (composer.canSend && input.text.trim().length > 0)
        onClicked: composer.busy ? composer.stopRequested() : composer.submit()
        ToolTip.visible: hovered
        ToolTip.text: composer.busy ? qsTr("Stop generating (Esc); the reply so far is kept") : qsTr("Send (Enter)")
        Accessible.name: composer.busy ? qsTr("Stop generating") : qsTr("Send")
    }
}
