import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// One conversation in the sidebar: open on click, rename in place (F2 or double click),
// export or delete from its menu; a search result found in a message shows the line that matched.
ItemDelegate {
    id: item

    required property var app
    required property var conversationId
    required property string title
    required property var updatedAt
    required property var messageCount
    required property string snippet
    property bool renaming: false

    signal exportRequested

    function startRename() {
        renaming = true
        editor.text = title
        editor.forceActiveFocus()
        editor.selectAll()
    }
    function finishRename(accept) {
        if (accept && editor.text.trim().length > 0 && editor.text !== title)
            app.renameConversation(conversationId, editor.text)
        renaming = false
    }

    highlighted: app.view === "chat" && app.conversationId === conversationId
    onClicked: app.openConversation(conversationId)
    onDoubleClicked: startRename()
    Keys.onPressed: event => {
        if (event.key === Qt.Key_F2) {
            startRename()
            event.accepted = true
        } else if (event.key === Qt.Key_Delete) {
            deleteDialog.open()
            event.accepted = true
        }
    }
    Accessible.name: qsTr("Conversation %1").arg(title.length > 0 ? title : qsTr("Untitled"))

    contentItem: RowLayout {
        spacing: 4

        ColumnLayout {
            Layout.fillWidth: true
            spacing: 0
            visible: !item.renaming

            Label {
                Layout.fillWidth: true
                text: item.title.length > 0 ? item.title : qsTr("Untitled")
                elide: Text.ElideRight
                font.bold: item.highlighted
            }
            Label {
                Layout.fillWidth: true
                readonly property int shown: Number(item.messageCount)
                text: Qt.formatDateTime(item.updatedAt, "d MMM hh:mm") + "  ·  "
                      + (shown === 1 ? qsTr("1 message") : qsTr("%1 messages").arg(shown))
                font.pixelSize: Theme.px(11)
                opacity: 0.65
                elide: Text.ElideRight
            }
            Label {
                objectName: "conversationSnippet"
                Layout.fillWidth: true
                visible: item.snippet.length > 0
                text: item.snippet
                textFormat: Text.StyledText
                font.pixelSize: Theme.px(11)
                opacity: 0.8
                elide: Text.ElideRight
            }
        }

        TextField {
            id: editor
            Layout.fillWidth: true
            visible: item.renaming
            onAccepted: item.finishRename(true)
            onActiveFocusChanged: if (!activeFocus && item.renaming) item.finishRename(true)
            Keys.onEscapePressed: item.finishRename(false)
            Accessible.name: qsTr("New title")
        }

        ToolButton {
            text: "⋯"
            visible: !item.renaming && (item.hovered || item.highlighted || menu.visible)
            onClicked: menu.popup()
            Accessible.name: qsTr("Conversation actions")
        }
    }

    TapHandler {
        acceptedButtons: Qt.RightButton
        onTapped: menu.popup()
    }

    Menu {
        id: menu
        objectName: "conversationMenu"
        MenuItem {
            text: qsTr("Rename")
            onTriggered: item.startRename()
        }
        MenuItem {
            text: qsTr("Export conversation…")
            onTriggered: item.exportRequested()
        }
        MenuItem {
            text: qsTr("Delete…")
            onTriggered: deleteDialog.open()
        }
    }

    Dialog {
        id: deleteDialog
        objectName: "deleteConversationDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: 380
        modal: true
        title: qsTr("Delete conversation?")
        standardButtons: Dialog.Ok | Dialog.Cancel
        onAccepted: item.app.deleteConversation(item.conversationId)

        Label {
            text: qsTr("“%1” and all its branches and saved states will be deleted.")
                  .arg(item.title.length > 0 ? item.title : qsTr("Untitled"))
            wrapMode: Text.Wrap
            width: deleteDialog.availableWidth
        }
    }
}
