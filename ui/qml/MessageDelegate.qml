import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// One message: prose as Markdown and code blocks with a copy button; under it the branch
// switcher ‹ 2/3 › and the actions (regenerate a reply, edit a question into a new branch,
// save the state after a reply or a document read into the chat).
Item {
    id: message

    required property var app
    required property int index
    required property var messageId
    required property string author
    required property string text
    required property var segments
    required property int branchIndex
    required property int branchCount
    required property bool streaming
    property bool chatActions: false    // a stored chat message: branches, regenerate, edit, copy
    property bool answerActions: false  // a document answer: regenerate (ask again), copy
    property bool editing: false
    readonly property bool mine: author === "user"
    readonly property bool document: author === "document"  // a document read into the state
    readonly property bool dark: sys.window.hslLightness < 0.5

    implicitHeight: column.implicitHeight + 8

    SystemPalette {
        id: sys
    }

    ColumnLayout {
        id: column
        x: message.mine ? parent.width - width - 14 : 14
        width: Math.min(parent.width - 28, Math.max(bubble.implicitWidth, actions.implicitWidth, 120), 760)
        spacing: 2

        Label {
            Layout.alignment: message.mine ? Qt.AlignRight : Qt.AlignLeft
            text: message.mine ? qsTr("You") : message.document ? qsTr("Document read") : qsTr("RWKV")
            font.pixelSize: Theme.px(11)
            font.bold: true
            opacity: 0.6
        }

        Rectangle {
            id: bubble
            Layout.fillWidth: true
            implicitWidth: Math.max(content.implicitWidth, 40) + 24
            implicitHeight: content.implicitHeight + 18
            radius: 10
            color: message.mine ? Qt.tint(sys.base, message.dark ? "#402f6fdf" : "#302f6fdf")
                 : message.document ? Qt.tint(sys.base, message.dark ? "#30d0a030" : "#28d0a030") : sys.base
            border.color: message.dark ? Qt.lighter(sys.window, 1.4) : Qt.darker(sys.window, 1.12)
            border.width: 1

            ColumnLayout {
                id: content
                x: 12
                y: 9
                width: parent.width - 24
                spacing: 6
                visible: !message.editing

                // A Column, not the layout itself, holds the Repeater: Qt 6.4's layout engine can
                // read a delegate the Repeater is rebuilding (segments change with every streamed
                // token) while the layout rearranges, and crash.
                Column {
                    id: segmentColumn
                    // The widest segment laid out on one line, for the bubble's width.
                    readonly property real naturalWidth: {
                        let widest = 0
                        for (let i = 0; i < segmentRepeater.count; ++i) {
                            const loader = segmentRepeater.itemAt(i)
                            if (loader && loader.item) widest = Math.max(widest, loader.item.naturalWidth)
                        }
                        return widest
                    }
                    Layout.fillWidth: true
                    Layout.preferredWidth: naturalWidth
                    spacing: 6

                    Repeater {
                        id: segmentRepeater
                        model: message.segments
                        delegate: Loader {
                            required property var modelData
                            width: segmentColumn.width
                            sourceComponent: modelData.kind === "code" ? codeComponent : textComponent

                            Component {
                                id: textComponent
                                TextEdit {
                                    id: prose
                                    // The width of the text laid out on one line per paragraph: a
                                    // wrapped TextEdit reports only the width it was given.
                                    readonly property real naturalWidth: measure.implicitWidth + 2
                                    text: modelData.text
                                    textFormat: TextEdit.MarkdownText
                                    readOnly: true
                                    selectByMouse: true
                                    wrapMode: TextEdit.Wrap
                                    color: sys.text
                                    selectionColor: sys.highlight
                                    selectedTextColor: sys.highlightedText
                                    font.pixelSize: Theme.px(14)
                                    onLinkActivated: link => Qt.openUrlExternally(link)
                                    Accessible.role: Accessible.StaticText
                                    Accessible.name: modelData.text

                                    Text {
                                        id: measure
                                        visible: false
                                        text: prose.text
                                        textFormat: Text.MarkdownText
                                        font: prose.font
                                    }
                                }
                            }
                            Component {
                                id: codeComponent
                                CodeBlock {
                                    app: message.app
                                    code: modelData.text
                                    language: modelData.language
                                }
                            }
                        }
                    }
                }

                Label {
                    visible: !message.streaming && message.text.length === 0
                    text: qsTr("Stopped before the first word.")
                    font.italic: true
                    opacity: 0.6
                }

                BusyIndicator {
                    visible: message.streaming && message.text.length === 0
                    running: visible
                    Layout.preferredWidth: 24
                    Layout.preferredHeight: 24
                    Accessible.name: qsTr("Waiting for the reply")
                }
            }

            ColumnLayout {
                x: 12
                y: 9
                width: parent.width - 24
                visible: message.editing

                TextArea {
                    id: editor
                    Layout.fillWidth: true
                    wrapMode: TextEdit.Wrap
                    Keys.onReturnPressed: event => {
                        if (event.modifiers & Qt.ShiftModifier) event.accepted = false
                        else resend()
                    }
                    Keys.onEscapePressed: message.editing = false
                    Accessible.name: qsTr("Edited message")
                    function resend() {
                        message.editing = false
                        message.app.editAndResend(message.messageId, text)
                    }
                }
                RowLayout {
                    Item { Layout.fillWidth: true }
                    Button {
                        text: qsTr("Cancel")
                        flat: true
                        onClicked: message.editing = false
                    }
                    Button {
                        text: qsTr("Send as new branch")
                        highlighted: true
                        enabled: editor.text.trim().length > 0
                        onClicked: editor.resend()
                    }
                }
            }
        }

        RowLayout {
            id: actions
            Layout.alignment: message.mine ? Qt.AlignRight : Qt.AlignLeft
            spacing: 0
            visible: (message.chatActions && message.messageId > 0 || message.answerActions && !message.mine && !message.streaming)
                     && !message.editing
            // Faded until hovered, but still 4.5:1 or more for its text (WCAG AA).
            opacity: hover.hovered || message.branchCount > 1 ? 1 : 0.8

            ToolButton {
                text: "‹"
                visible: message.branchCount > 1
                enabled: message.branchIndex > 0 && !message.app.generating
                onClicked: message.app.switchBranch(message.index, -1)
                Accessible.name: qsTr("Previous branch")
            }
            Label {
                visible: message.branchCount > 1
                text: (message.branchIndex + 1) + "/" + message.branchCount
                font.pixelSize: Theme.px(12)
                Accessible.name: qsTr("Branch %1 of %2").arg(message.branchIndex + 1).arg(message.branchCount)
            }
            ToolButton {
                text: "›"
                visible: message.branchCount > 1
                enabled: message.branchIndex < message.branchCount - 1 && !message.app.generating
                onClicked: message.app.switchBranch(message.index, 1)
                Accessible.name: qsTr("Next branch")
            }
            ToolButton {
                objectName: "regenerateButton"
                text: qsTr("Regenerate")
                visible: !message.mine && !message.document
                enabled: !message.app.generating
                font.pixelSize: Theme.px(12)
                onClicked: message.answerActions ? message.app.regenerateAnswer(message.index)
                                                 : message.app.regenerate(message.messageId)
                Accessible.name: qsTr("Regenerate this reply")
            }
            ToolButton {
                text: qsTr("Edit")
                visible: message.mine
                enabled: !message.app.generating
                font.pixelSize: Theme.px(12)
                onClicked: {
                    editor.text = message.text
                    message.editing = true
                    editor.forceActiveFocus()
                }
                Accessible.name: qsTr("Edit this message and resend it as a new branch")
            }
            ToolButton {
                objectName: "saveStateButton"
                text: qsTr("Save state…")
                visible: message.chatActions && !message.mine
                enabled: !message.app.generating
                font.pixelSize: Theme.px(12)
                onClicked: {
                    stateName.text = ""
                    stateNote.text = ""
                    saveStateDialog.open()
                }
                Accessible.name: message.document ? qsTr("Save the model's state after this document under a name")
                                                  : qsTr("Save the model's state after this reply under a name")
            }
            ToolButton {
                objectName: "copyButton"
                text: qsTr("Copy")
                font.pixelSize: Theme.px(12)
                onClicked: message.app.copyText(message.text)
                Accessible.name: qsTr("Copy this message")
            }
        }
    }

    HoverHandler {
        id: hover
    }

    // The state after this reply under a name, listed in the sidebar's "States".
    Dialog {
        id: saveStateDialog
        objectName: "saveStateDialog"
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: 380
        modal: true
        title: qsTr("Save state")
        standardButtons: Dialog.Save | Dialog.Cancel
        onAccepted: message.app.states.saveMessageState(message.app.conversationId, message.messageId, stateName.text,
                                                        stateNote.text)
        onOpened: stateName.forceActiveFocus()

        ColumnLayout {
            width: saveStateDialog.availableWidth
            Label {
                Layout.fillWidth: true
                text: qsTr("The model's memory after this reply, to start new chats from it.")
                wrapMode: Text.Wrap
            }
            TextField {
                id: stateName
                objectName: "stateName"
                Layout.fillWidth: true
                placeholderText: qsTr("Name")
                onAccepted: if (text.trim().length > 0) saveStateDialog.accept()
                Accessible.name: qsTr("State name")
            }
            TextField {
                id: stateNote
                objectName: "stateNote"
                Layout.fillWidth: true
                placeholderText: qsTr("Note (optional): what it holds")
                onAccepted: if (stateName.text.trim().length > 0) saveStateDialog.accept()
                Accessible.name: qsTr("State note")
            }
        }
    }
}
