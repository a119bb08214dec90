import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The model (file, device, precision, threads), the chat's sampling settings, the local API
// server, and "Get a model" (the catalog's downloads).
Dialog {
    id: dialog

    required property var app
    property alias currentTab: tabs.currentIndex

    title: qsTr("Settings")
    modal: true
    standardButtons: Dialog.Close
    width: Math.min(parent ? parent.width - 60 : 720, 720)
    height: Math.min(parent ? parent.height - 60 : 640, 640)
    padding: 12

    Overlay.modal: Rectangle {
        color: Qt.rgba(0, 0, 0, 0.35)
    }

    header: ColumnLayout {
        spacing: 0
        Label {
            Layout.margins: 12
            Layout.bottomMargin: 6
            text: dialog.title
            font.bold: true
            font.pixelSize: Theme.px(16)
        }
        TabBar {
            id: tabs
            Layout.fillWidth: true
            TabButton {
                text: qsTr("Model")
                Accessible.name: qsTr("Model settings")
            }
            TabButton {
                text: qsTr("Chat")
                Accessible.name: qsTr("Chat sampling settings")
            }
            TabButton {
                text: qsTr("API")
                Accessible.name: qsTr("Local API server settings")
            }
            TabButton {
                text: qsTr("Get a model")
                Accessible.name: qsTr("Download an official RWKV model")
            }
        }
    }

    StackLayout {
        anchors.fill: parent
        currentIndex: tabs.currentIndex

        ScrollView {
            id: modelScroll
            clip: true
            contentWidth: availableWidth
            ModelSettings {
                width: modelScroll.availableWidth
                app: dialog.app
            }
        }
        ScrollView {
            id: chatScroll
            clip: true
            contentWidth: availableWidth
            ChatSettings {
                width: chatScroll.availableWidth
                app: dialog.app
            }
        }
        ScrollView {
            id: apiScroll
            clip: true
            contentWidth: availableWidth
            ApiServerSettings {
                width: apiScroll.availableWidth
                app: dialog.app
            }
        }
        ScrollView {
            id: getModelScroll
            clip: true
            contentWidth: availableWidth
            GetModelPage {
                width: getModelScroll.availableWidth
                app: dialog.app
            }
        }
    }
}
