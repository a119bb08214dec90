import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// A document being read into a state (the library's or a chat's): progress with tokens/s, time
// left and Cancel, from app.ingest.
Pane {
    id: reading

    required property var app
    readonly property var ingest: app.ingest

    background: Rectangle {
        radius: 8
        color: Qt.rgba(0.2, 0.5, 0.9, 0.10)
        border.color: Qt.rgba(0.2, 0.5, 0.9, 0.35)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        Label {
            text: qsTr("Reading %1 into the model's state…").arg(reading.ingest.name || "")
            font.bold: true
        }
        ProgressBar {
            Layout.fillWidth: true
            from: 0
            to: Math.max(1, reading.ingest.tokensTotal || 0)
            value: reading.ingest.tokensDone || 0
            indeterminate: !(reading.ingest.tokensTotal > 0)
            Accessible.name: qsTr("Reading progress")
        }
        RowLayout {
            Layout.fillWidth: true
            Label {
                Layout.fillWidth: true
                objectName: "ingestStatus"
                text: reading.ingest.tokensTotal > 0
                      ? qsTr("%1 / %2 tokens  ·  %3  ·  about %4 left")
                        .arg(Format.count(reading.ingest.tokensDone)).arg(Format.count(reading.ingest.tokensTotal))
                        .arg(Format.rate(reading.ingest.tokensPerSecond)).arg(Format.seconds(reading.ingest.etaSeconds))
                      : qsTr("Counting tokens…")
                Accessible.name: text
            }
            Button {
                text: qsTr("Cancel")
                onClicked: reading.app.stop()
                Accessible.name: qsTr("Cancel reading the document")
            }
        }
    }
}
