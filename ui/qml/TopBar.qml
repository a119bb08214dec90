import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The model in use (or its load progress) and the window-wide buttons.
ToolBar {
    id: bar

    required property var app
    property bool metersVisible: true
    property bool sidebarVisible: true

    signal settingsRequested
    signal metersToggled
    signal sidebarToggled

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 10
        anchors.rightMargin: 6
        spacing: 10

        ToolButton {
            objectName: "sidebarButton"
            text: qsTr("Chats")
            checkable: true
            checked: bar.sidebarVisible
            onClicked: bar.sidebarToggled()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Show or hide the conversations and documents (Ctrl+B)")
            Accessible.name: qsTr("Show or hide the conversations and documents")
        }
        Label {
            objectName: "appTitle"
            visible: bar.width >= 720
            text: "RWKV Desktop"
            font.bold: true
            font.pixelSize: Theme.px(15)
        }

        Rectangle {
            Layout.preferredWidth: 1
            Layout.fillHeight: true
            Layout.topMargin: 8
            Layout.bottomMargin: 8
            color: bar.palette.mid
        }

        Label {
            id: modelLabel
            objectName: "modelLabel"
            Layout.fillWidth: !bar.app.modelLoading
            elide: Text.ElideRight
            text: bar.app.modelReady
                  ? bar.app.model.name + "  ·  " + bar.app.model.strategy + "  ·  " + bar.app.model.description
                  : bar.app.modelLoading ? qsTr("Loading the model…") : qsTr("No model loaded")
            Accessible.name: qsTr("Model: %1").arg(text)
        }

        ProgressBar {
            visible: bar.app.modelLoading
            Layout.fillWidth: true
            Layout.maximumWidth: 320
            from: 0
            to: 1
            value: bar.app.modelLoadProgress
            Accessible.name: qsTr("Model loading progress")
        }

        Item {
            Layout.fillWidth: bar.app.modelLoading
        }

        BusyIndicator {
            Layout.preferredHeight: 26
            Layout.preferredWidth: 26
            running: bar.app.generating
            visible: running
            Accessible.name: qsTr("Generating")
        }

        ToolButton {
            text: qsTr("Meters")
            checkable: true
            checked: bar.metersVisible
            onClicked: bar.metersToggled()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Show or hide the meters (Ctrl+M)")
            Accessible.name: qsTr("Show or hide the meters")
        }

        ToolButton {
            text: qsTr("Model && settings…")
            onClicked: bar.settingsRequested()
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Model, device, precision and sampling (Ctrl+,)")
            Accessible.name: qsTr("Open the model and sampling settings")
        }
    }
}
