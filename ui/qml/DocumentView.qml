import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// A document: while it is read, a progress bar with tokens/s, time left and cancel; then
// questions, each answered from a copy of the state the reading left.
Pane {
    id: view

    required property var app
    readonly property var ingest: app.ingest

    signal openRequested

    function focusComposer() {
        composer.focusInput()
    }

    padding: 0

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        RowLayout {
            Layout.fillWidth: true
            Layout.margins: 12
            spacing: 10

            ColumnLayout {
                Layout.fillWidth: true
                spacing: 2
                Label {
                    Layout.fillWidth: true
                    elide: Text.ElideMiddle
                    font.pixelSize: Theme.px(17)
                    font.bold: true
                    text: view.app.documentId > 0 ? view.app.documentName
                                                  : view.app.ingesting ? (view.ingest.name || "") : qsTr("Documents")
                }
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    opacity: 0.7
                    font.pixelSize: Theme.px(12)
                    visible: view.app.documentId > 0
                    text: qsTr("Read once (%1 tokens). Every question starts from a copy of the cached state, so asking costs only the question.")
                          .arg(Format.count(view.app.documentTokens))
                }
            }
            Button {
                objectName: "chatAboutDocumentButton"
                visible: view.app.documentId > 0
                text: qsTr("Chat about this document")
                highlighted: true
                enabled: view.app.modelReady && !view.app.busy
                onClicked: view.app.chatAboutDocument()
                ToolTip.visible: hovered
                ToolTip.text: qsTr("A conversation that starts from the document's state: follow-up questions remember the document and the dialogue")
            }
            Button {
                text: qsTr("Back to chat")
                onClicked: view.app.showChat()
            }
        }

        ReadingProgress {
            Layout.fillWidth: true
            Layout.leftMargin: 12
            Layout.rightMargin: 12
            app: view.app
            visible: view.app.ingesting && !view.ingest.intoChat
        }

        ListView {
            id: list
            objectName: "answerList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: view.app.answers
            spacing: 4
            topMargin: 8
            bottomMargin: 8
            ScrollBar.vertical: ScrollBar {}
            onCountChanged: Qt.callLater(positionViewAtEnd)
            onContentHeightChanged: Qt.callLater(positionViewAtEnd)
            Accessible.name: qsTr("Questions and answers")

            delegate: MessageDelegate {
                app: view.app
                width: list.width
                answerActions: true
            }

            Label {
                anchors.centerIn: parent
                width: Math.min(parent.width - 40, 440)
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
                opacity: 0.7
                visible: list.count === 0 && !view.app.ingesting
                text: view.app.documentId > 0
                      ? qsTr("Ask anything about this document.")
                      : qsTr("Drop a .txt, .md or .pdf file on the window, or open one, to read it once and ask questions.")
            }
        }

        Composer {
            id: composer
            objectName: "documentComposer"
            Layout.fillWidth: true
            Layout.margins: 10
            visible: view.app.documentId > 0
            busy: view.app.generating
            canSend: view.app.modelReady
            placeholder: qsTr("Ask about the document — Enter sends")
            onSubmitted: text => view.app.ask(text)
            onStopRequested: view.app.stop()
        }

        Button {
            objectName: "openDocumentViewButton"
            Layout.alignment: Qt.AlignHCenter
            Layout.margins: 16
            visible: view.app.documentId === 0 && !view.app.ingesting
            text: qsTr("Open a document…")
            onClicked: view.openRequested()
        }
    }
}
