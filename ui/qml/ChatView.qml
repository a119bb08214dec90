import QtQuick
import QtQuick.Controls
import QtQuick.Dialogs
import QtQuick.Layouts
import "Format.js" as Format

// The selected conversation: how its state came back, its messages on the selected branch,
// the last turn's numbers and the composer, which can also read a document into the chat.
Pane {
    id: chat

    required property var app

    // The demo model's note asks for the "Get a model" page.
    signal getModelRequested

    function focusComposer() {
        composer.focusInput()
    }
    function regenerateLast() {
        for (let row = list.count - 1; row >= 0; --row) {
            const item = list.itemAtIndex(row)
            if (item && item.author === "assistant" && item.messageId > 0) {
                app.regenerate(item.messageId)
                return
            }
        }
    }
    function copyLast() {
        const item = list.itemAtIndex(list.count - 1)
        if (item) app.copyText(item.text)
    }

    padding: 0

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Rectangle {
            Layout.fillWidth: true
            Layout.preferredHeight: resumeRow.implicitHeight + 12
            visible: chat.app.resumeNs >= 0 || chat.app.restoreError.length > 0
            color: chat.app.restoreError.length > 0 ? Qt.rgba(0.9, 0.6, 0.1, 0.18) : Qt.rgba(0.2, 0.7, 0.35, 0.16)

            RowLayout {
                id: resumeRow
                anchors.fill: parent
                anchors.leftMargin: 12
                anchors.rightMargin: 12

                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.Wrap
                    text: chat.app.restoreError.length > 0
                          ? chat.app.restoreError
                          : qsTr("Resumed from snapshot in %1 — the state was restored, nothing was replayed.")
                                .arg(Format.ms(chat.app.resumeNs))
                    Accessible.name: text
                }
                Button {
                    visible: chat.app.restoreError.length > 0
                    text: qsTr("Rebuild by replaying")
                    enabled: !chat.app.busy && chat.app.modelReady
                    onClicked: chat.app.rebuildConversation()
                }
            }
        }

        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: chat.app.messages
            spacing: 4
            topMargin: 12
            bottomMargin: 12
            boundsBehavior: Flickable.StopAtBounds
            ScrollBar.vertical: ScrollBar {}
            Accessible.name: qsTr("Messages")
            Accessible.role: Accessible.List

            property bool followEnd: true
            onMovementEnded: followEnd = atYEnd
            onCountChanged: if (followEnd) Qt.callLater(positionViewAtEnd)
            onContentHeightChanged: if (followEnd) Qt.callLater(positionViewAtEnd)

            delegate: MessageDelegate {
                app: chat.app
                width: list.width
                chatActions: true
            }

            ColumnLayout {
                anchors.centerIn: parent
                width: Math.min(parent.width - 40, 460)
                visible: list.count === 0
                spacing: 10

                Label {
                    Layout.fillWidth: true
                    horizontalAlignment: Text.AlignHCenter
                    text: chat.app.modelReady ? qsTr("Chat with %1").arg(chat.app.model.name) : qsTr("Loading the model…")
                    font.pixelSize: Theme.px(20)
                    wrapMode: Text.Wrap
                }
                Label {
                    Layout.fillWidth: true
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                    opacity: 0.7
                    text: qsTr("Every reply saves the model's state, so a conversation resumes instantly and any reply can be regenerated or edited into a new branch without replaying the history.")
                }
                DemoModelNote {
                    Layout.fillWidth: true
                    objectName: "demoNotice"
                    app: chat.app
                    offerDownloads: true
                    onGetModelRequested: chat.getModelRequested()
                }
                Flow {
                    Layout.fillWidth: true
                    Layout.topMargin: 6
                    spacing: 6
                    Repeater {
                        model: [qsTr("Hello!"), qsTr("Who are you?"), qsTr("What is 7 + 5?"), qsTr("Tell me a joke.")]
                        delegate: Button {
                            required property string modelData
                            text: modelData
                            flat: true
                            enabled: chat.app.modelReady
                            onClicked: chat.app.send(modelData)
                        }
                    }
                }
            }
        }

        Label {
            id: turnStats
            Layout.fillWidth: true
            Layout.leftMargin: 14
            Layout.rightMargin: 14
            visible: chat.app.lastTurn.decodeTokens !== undefined && list.count > 0
            elide: Text.ElideRight
            font.pixelSize: Theme.px(11)
            opacity: 0.7
            text: {
                const t = chat.app.lastTurn
                let s = qsTr("prompt %1 tok at %2  ·  reply %3 tok at %4")
                    .arg(Format.count(t.promptTokens)).arg(Format.rate(t.prefillTps))
                    .arg(Format.count(t.decodeTokens)).arg(Format.rate(t.decodeTps))
                if (t.restoreNs > 0) s += qsTr("  ·  state restored in %1").arg(Format.ms(t.restoreNs))
                if (t.saveNs > 0) s += qsTr("  ·  saved in %1").arg(Format.ms(t.saveNs))
                if (t.cancelled) s += qsTr("  ·  stopped")
                return s
            }
            Accessible.name: text
        }

        ReadingProgress {
            Layout.fillWidth: true
            Layout.leftMargin: 12
            Layout.rightMargin: 12
            app: chat.app
            visible: chat.app.ingesting && chat.app.ingest.intoChat === true
        }

        Composer {
            id: composer
            objectName: "chatComposer"
            Layout.fillWidth: true
            Layout.margins: 10
            busy: chat.app.generating
            canSend: chat.app.modelReady && !chat.app.ingesting
            canAttach: true
            onAttachRequested: readDialog.open()
            placeholder: qsTr("Message RWKV — Enter sends, Shift+Enter adds a line")
            onSubmitted: text => {
                list.followEnd = true
                chat.app.send(text)
            }
            onStopRequested: chat.app.stop()
        }
    }

    FileDialog {
        id: readDialog
        objectName: "readIntoChatDialog"
        title: qsTr("Read a document into this chat")
        nameFilters: [qsTr("Documents (*.txt *.md *.markdown *.pdf)"), qsTr("All files (*)")]
        onAccepted: chat.app.readIntoChat(selectedFile)
    }
}
