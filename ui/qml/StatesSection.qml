import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// The sidebar's saved states ("Save state…" on a reply, an imported state, `rwkv-cli state
// save`, a state-tuning file imported): name, model and size; click or "New chat from this
// state" to continue from one; rename or delete from its menu. A state of other weights is
// shown disabled with the reason.
ColumnLayout {
    id: section

    required property var app

    spacing: 2
    visible: stateList.count > 0

    Label {
        Layout.fillWidth: true
        text: qsTr("States")
        font.bold: true
    }

    ListView {
        id: stateList
        objectName: "stateList"
        Layout.fillWidth: true
        Layout.preferredHeight: Math.min(contentHeight, 160)
        clip: true
        model: section.app.states.list
        ScrollBar.vertical: ScrollBar {}
        Accessible.name: qsTr("Saved states")

        delegate: ItemDelegate {
            id: stateItem
            objectName: "stateItem"

            required property var stateId
            required property string name
            required property string note
            required property string modelName
            required property var byteSize
            required property bool usable
            required property string reason

            width: stateList.width
            text: name
            // Shown disabled, but still reachable for its menu (delete) and tooltip (why).
            opacity: usable ? 1 : 0.5
            onClicked: if (usable) section.app.states.newChat(stateId)
            ToolTip.visible: hovered
            ToolTip.text: (note.length > 0 ? note + "\n" : "") + (usable ? qsTr("New chat from this state") : reason)
            Accessible.name: qsTr("State %1, %2").arg(name).arg(usable ? modelName : reason)

            contentItem: ColumnLayout {
                spacing: 0
                Label {
                    Layout.fillWidth: true
                    text: stateItem.name
                    elide: Text.ElideRight
                }
                Label {
                    objectName: "stateNote"
                    Layout.fillWidth: true
                    visible: stateItem.note.length > 0
                    text: stateItem.note
                    font.pixelSize: Theme.px(11)
                    font.italic: true
                    opacity: 0.8
                    elide: Text.ElideRight
                }
                Label {
                    objectName: "stateDetail"
                    Layout.fillWidth: true
                    // The size first, so a long model name never hides it; the reason in full.
                    text: stateItem.usable ? Format.bytes(Number(stateItem.byteSize)) + "  ·  " + stateItem.modelName
                                           : stateItem.reason
                    font.pixelSize: Theme.px(11)
                    opacity: 0.65
                    wrapMode: stateItem.usable ? Text.NoWrap : Text.Wrap
                    maximumLineCount: 3
                    elide: Text.ElideRight
                }
            }

            TapHandler {
                acceptedButtons: Qt.RightButton
                onTapped: stateMenu.popup()
            }
            Menu {
                id: stateMenu
                objectName: "stateMenu"
                MenuItem {
                    text: qsTr("New chat from this state")
                    enabled: stateItem.usable
                    onTriggered: section.app.states.newChat(stateItem.stateId)
                }
                MenuItem {
                    text: qsTr("Rename…")
                    onTriggered: {
                        renameDialog.stateId = stateItem.stateId
                        renameField.text = stateItem.name
                        renameDialog.open()
                    }
                }
                MenuItem {
                    text: qsTr("Delete state")
                    onTriggered: section.app.states.remove(stateItem.stateId)
                }
            }
        }
    }

    Dialog {
        id: renameDialog
        objectName: "renameStateDialog"
        property var stateId: 0
        parent: Overlay.overlay
        anchors.centerIn: parent
        width: 340
        modal: true
        title: qsTr("Rename state")
        standardButtons: Dialog.Ok | Dialog.Cancel
        onAccepted: if (renameField.text.trim().length > 0) section.app.states.rename(stateId, renameField.text)
        onOpened: renameField.forceActiveFocus()

        TextField {
            id: renameField
            objectName: "renameStateField"
            width: renameDialog.availableWidth
            selectByMouse: true
            onAccepted: renameDialog.accept()
            Accessible.name: qsTr("New name of the state")
        }
    }
}
