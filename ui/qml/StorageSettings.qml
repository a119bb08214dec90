import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// The settings' storage line: the database's size and what its states take, and "Free space",
// which deletes the conversation states that can be rebuilt (continuing from such a reply
// replays a few turns) and shrinks the file. The work is app.storage's (app/store_upkeep.h).
ColumnLayout {
    id: section

    required property var app
    readonly property var use: app.storage.use

    spacing: 6
    // Read when shown (the settings' Chat tab), not at start: the database opens after the window.
    onVisibleChanged: if (visible) app.storage.refresh()

    Label {
        Layout.topMargin: 6
        text: qsTr("Storage")
        font.bold: true
    }
    Label {
        objectName: "storageLine"
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        text: section.use.fileBytes === undefined ? qsTr("Reading…")
              : qsTr("Database %1: %2 conversation states (%3), %4 named states (%5), %6 documents (%7).")
                .arg(Format.bytes(section.use.fileBytes))
                .arg(section.use.replyStates).arg(Format.bytes(section.use.replyStateBytes))
                .arg(section.use.namedStates).arg(Format.bytes(section.use.namedStateBytes))
                .arg(section.use.documents).arg(Format.bytes(section.use.documentStateBytes))
    }
    RowLayout {
        spacing: 12
        Button {
            objectName: "freeSpaceButton"
            text: qsTr("Free space")
            enabled: !section.app.busy
            onClicked: section.app.storage.freeSpace()
            Accessible.name: qsTr("Delete the conversation states that can be rebuilt and shrink the database")
        }
        Label {
            objectName: "freedLine"
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            opacity: 0.7
            font.pixelSize: Theme.px(12)
            text: section.app.storage.freed.states === undefined
                  ? qsTr("Keeps each branch's last reply, branch points, every 4th reply and named states; continuing from another reply replays at most 3 turns.")
                  : qsTr("Freed %1 states (%2).").arg(section.app.storage.freed.states).arg(Format.bytes(section.app.storage.freed.bytes))
        }
    }
}
