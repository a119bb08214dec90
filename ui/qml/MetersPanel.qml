import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// Always-visible meters for the loaded model and strategy: memory, speeds, sizes, and plots of
// the last minute.
Pane {
    id: panel

    required property var app
    readonly property var meters: app.meters

    padding: 10

    background: Rectangle {
        color: Qt.darker(panel.palette.window, panel.palette.window.hslLightness < 0.5 ? 0.85 : 1.04)
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 8

        Label {
            text: qsTr("Meters")
            font.bold: true
            font.pixelSize: Theme.px(15)
        }
        Label {
            Layout.fillWidth: true
            text: panel.app.modelReady ? panel.app.model.deviceName : qsTr("No model loaded")
            wrapMode: Text.Wrap
            font.pixelSize: Theme.px(11)
            opacity: 0.7
        }

        GridLayout {
            Layout.fillWidth: true
            columns: 2
            columnSpacing: 10
            rowSpacing: 4

            component Name: Label {
                font.pixelSize: Theme.px(12)
                opacity: 0.75
            }
            component Value: Label {
                Layout.fillWidth: true
                horizontalAlignment: Text.AlignRight
                wrapMode: Text.Wrap  // a long value (RAM of a large machine, a big zoom) takes two lines
                font.pixelSize: Theme.px(13)
                font.bold: true
                Accessible.name: text
            }

            Name { text: qsTr("%1 used").arg(panel.meters.memoryLabel) }
            Value {
                objectName: "memoryValue"
                text: Format.bytes(panel.meters.memoryBytes)
                      + (panel.meters.memoryTotalBytes > 0 ? " / " + Format.bytes(panel.meters.memoryTotalBytes) : "")
            }
            Name { text: qsTr("Prefill") }
            Value {
                objectName: "prefillValue"
                text: Format.rate(panel.meters.prefillTps)
            }
            Name { text: qsTr("Decode") }
            Value {
                objectName: "decodeValue"
                text: Format.rate(panel.meters.decodeTps)
            }
            Name { text: qsTr("State size") }
            Value {
                objectName: "stateValue"
                text: panel.meters.stateBytes > 0 ? Format.bytes(panel.meters.stateBytes) : "–"
            }
            Name { text: qsTr("Weights") }
            Value { text: panel.meters.weightBytes > 0 ? Format.bytes(panel.meters.weightBytes) : "–" }
            Name { text: qsTr("Model load") }
            Value { text: panel.app.modelReady ? Format.ms(panel.app.model.loadNs) : "–" }
        }

        Label {
            Layout.topMargin: 6
            text: qsTr("Decode speed, last minute")
            font.pixelSize: Theme.px(12)
        }
        MeterPlot {
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.px(90)
            meters: panel.meters
            series: "decode"
            lineColor: "#2f8fdf"
            formatValue: Format.rate
            Accessible.name: qsTr("Plot of the decode speed over the last minute")
        }

        Label {
            Layout.topMargin: 4
            text: qsTr("%1 used, last minute").arg(panel.meters.memoryLabel)
            font.pixelSize: Theme.px(12)
        }
        MeterPlot {
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.px(90)
            meters: panel.meters
            series: "memory"
            lineColor: "#3fae5f"
            fromZero: false
            formatValue: Format.bytes
            Accessible.name: qsTr("Plot of the memory used over the last minute")
        }

        Label {
            Layout.fillWidth: true
            Layout.topMargin: 4
            wrapMode: Text.Wrap
            font.pixelSize: Theme.px(11)
            opacity: 0.7
            text: qsTr("The state is the model's whole memory of a conversation: its size never grows with the conversation's length.")
        }

        Item {
            Layout.fillHeight: true
        }
    }
}
