import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Conversations (new, import, search, open, rename, export, delete), saved states and the
// documents read so far; the search finds conversations by title and message text, documents
// by name.
Pane {
    id: sidebar

    required property var app

    signal openDocumentRequested
    signal importRequested
    signal exportRequested(var conversationId, string title)

    function focusSearch() {
        search.forceActiveFocus()
        search.selectAll()
    }

    padding: 8

    background: Rectangle {
        color: Qt.darker(sidebar.palette.window, sidebar.palette.window.hslLightness < 0.5 ? 0.85 : 1.04)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 6

        RowLayout {
            Layout.fillWidth: true

            Button {
                Layout.fillWidth: true
                text: qsTr("New chat")
                highlighted: true
                onClicked: sidebar.app.newConversation()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Start a new conversation (Ctrl+N)")
                Accessible.name: qsTr("New chat")
            }
            Button {
                objectName: "importButton"
                text: qsTr("Import…")
                onClicked: sidebar.importRequested()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Import a conversation or a state exported as .rwkvx (or drop the file on the window)")
                Accessible.name: qsTr("Import a conversation or a state")
            }
        }

        TextField {
            id: search
            objectName: "searchField"
            Layout.fillWidth: true
            placeholderText: qsTr("Search chats and documents (Ctrl+F)")
            text: sidebar.app.searchText
            onTextEdited: sidebar.app.searchText = text
            Keys.onEscapePressed: {
                text = ""
                sidebar.app.searchText = ""
            }
            Accessible.name: qsTr("Search conversations and documents")
        }

        ListView {
            id: conversationList
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: sidebar.app.conversations
            spacing: 2
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            Accessible.name: qsTr("Conversations")
            Accessible.role: Accessible.List

            delegate: ConversationItem {
                app: sidebar.app
                width: conversationList.width
                onExportRequested: sidebar.exportRequested(conversationId, title)
            }

            Label {
                anchors.centerIn: parent
                width: parent.width - 20
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                visible: conversationList.count === 0
                opacity: 0.6
                text: sidebar.app.searchText.length > 0 ? qsTr("No conversation matches")
                                                        : qsTr("No conversations yet. Say hello!")
            }
        }

        StatesSection {
            Layout.fillWidth: true
            app: sidebar.app
        }

        RowLayout {
            Layout.fillWidth: true

            Label {
                Layout.fillWidth: true
                text: qsTr("Documents")
                font.bold: true
            }
            ToolButton {
                objectName: "openDocumentButton"
                text: qsTr("Open…")
                onClicked: sidebar.openDocumentRequested()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("Read a .txt, .md or .pdf file once, then ask questions (Ctrl+O)")
                Accessible.name: qsTr("Open a document")
            }
        }

        ListView {
            id: documentList
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(contentHeight, 180)
            Layout.minimumHeight: 36
            clip: true
            model: sidebar.app.listedDocuments
            ScrollBar.vertical: ScrollBar {}
            Accessible.name: qsTr("Documents")

            delegate: ItemDelegate {
                id: documentItem

                required property var documentId
                required property string name
                required property var tokenCount

                width: documentList.width
                highlighted: sidebar.app.view === "document" && sidebar.app.documentId === documentId
                text: name
                onClicked: sidebar.app.showDocument(documentId)
                Accessible.name: qsTr("Document %1, %2 tokens").arg(name).arg(tokenCount)

                contentItem: ColumnLayout {
                    spacing: 0
                    Label {
                        Layout.fillWidth: true
                        text: documentItem.name
                        elide: Text.ElideMiddle
                    }
                    Label {
                        text: qsTr("%1 tokens").arg(Number(documentItem.tokenCount).toLocaleString(Qt.locale(), "f", 0))
                        font.pixelSize: Theme.px(11)
                        opacity: 0.65
                    }
                }

                TapHandler {
                    acceptedButtons: Qt.RightButton
                    onTapped: documentMenu.popup()
                }
                Menu {
                    id: documentMenu
                    objectName: "documentMenu"
                    MenuItem {
                        text: qsTr("Delete document")
                        onTriggered: sidebar.app.deleteDocument(documentItem.documentId)
                    }
                }
            }

            Label {
                anchors.fill: parent
                verticalAlignment: Text.AlignVCenter
                visible: documentList.count === 0
                opacity: 0.6
                wrapMode: Text.Wrap
                text: sidebar.app.searchText.length > 0 ? qsTr("No document matches")
                                                        : qsTr("Drop a file here or use Open…")
            }
        }
    }
}
