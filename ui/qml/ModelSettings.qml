import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs
import "Format.js" as Format

// Which model runs where: the file (recent files, the bundled demo model), the device from
// the backend registry (unavailable ones with their reason), the precision and CPU threads.
ColumnLayout {
    id: page

    required property var app
    property string path: app.modelChoice.path
    property string deviceId: app.modelChoice.deviceId
    property string precision: app.modelChoice.precision
    property int threads: app.modelChoice.threads
    property string customStrategy: app.modelChoice.strategy
    readonly property bool automatic: customStrategy.trim().length === 0 && deviceId === "auto"
    readonly property string strategy: customStrategy.trim().length > 0 ? customStrategy.trim()
                                       : automatic ? "auto" : deviceId + " " + precision
    // Per device, what the chosen file takes under the strategy (empty for "auto").
    readonly property string memoryText: app.downloads.fileMemoryText(path, strategy)
    // The chosen file's weight memory at each precision, estimated from its header.
    readonly property var fileWeightBytes: app.downloads.fileWeightBytes(path)

    // "int8 — weights ≈ 43 MiB", or the bare name when the file cannot be read.
    function precisionText(p) {
        const bytes = page.fileWeightBytes[p]
        return bytes > 0 ? qsTr("%1 — weights ≈ %2").arg(p).arg(Format.bytes(bytes)) : p
    }

    spacing: 8

    Connections {
        target: page.app
        function onModelChoiceChanged() {
            page.path = page.app.modelChoice.path
            page.deviceId = page.app.modelChoice.deviceId
            page.precision = page.app.modelChoice.precision
            page.threads = page.app.modelChoice.threads
            page.customStrategy = page.app.modelChoice.strategy
        }
    }

    GroupBox {
        Layout.fillWidth: true
        title: qsTr("Loaded")

        GridLayout {
            anchors.fill: parent
            columns: 2
            columnSpacing: 12

            Label { text: qsTr("Model"); opacity: 0.7 }
            Label {
                Layout.fillWidth: true
                elide: Text.ElideMiddle
                text: page.app.modelReady ? page.app.model.name : page.app.modelLoading ? qsTr("loading…") : qsTr("none")
            }
            Label { text: qsTr("Architecture"); opacity: 0.7 }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                text: page.app.modelReady ? page.app.model.description : "–"
            }
            Label { text: qsTr("Strategy"); opacity: 0.7 }
            Label {
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                text: page.app.modelReady ? page.app.model.strategy + "  (" + page.app.model.deviceName + ")" : "–"
            }
            Label {
                text: qsTr("Picked")
                opacity: 0.7
                visible: pickedLabel.visible
            }
            Label {
                id: pickedLabel
                objectName: "strategyReason"
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                visible: page.app.modelReady && (page.app.model.strategyReason ?? "").length > 0
                text: visible ? qsTr("automatically: %1").arg(page.app.model.strategyReason) : ""
            }
            Label { text: qsTr("Sizes"); opacity: 0.7 }
            Label {
                text: page.app.modelReady ? qsTr("weights %1, state %2, loaded in %3")
                                            .arg(Format.bytes(page.app.model.weightBytes))
                                            .arg(Format.bytes(page.app.model.stateBytes))
                                            .arg(Format.ms(page.app.model.loadNs)) : "–"
            }
        }
    }

    DemoModelNote {
        Layout.fillWidth: true
        app: page.app
    }

    Label {
        text: qsTr("Model file (.pth or .safetensors)")
        font.bold: true
    }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: pathField
            Layout.fillWidth: true
            text: page.path
            onEditingFinished: page.path = text
            Accessible.name: qsTr("Model file")
        }
        Button {
            objectName: "browseModelButton"
            text: qsTr("Browse…")
            onClicked: modelDialog.open()
        }
        Button {
            objectName: "demoModelButton"
            text: qsTr("Demo model")
            enabled: !page.app.modelLoading
            onClicked: {
                page.path = page.app.defaultModelPath()
                page.app.loadModel(page.path, page.deviceId, page.precision, page.threads, page.customStrategy)
            }
            ToolTip.visible: hovered
            ToolTip.text: qsTr("Load the tiny RWKV-7 toy model bundled with the app (for trying the app, not a real assistant)")
        }
    }
    ComboBox {
        Layout.fillWidth: true
        visible: page.app.recentModels.length > 0
        model: page.app.recentModels
        displayText: qsTr("Recent models…")
        onActivated: index => page.path = page.app.recentModels[index]
        Accessible.name: qsTr("Recent models")
    }

    Label {
        Layout.topMargin: 6
        text: qsTr("Device")
        font.bold: true
    }
    ButtonGroup {
        id: deviceGroup
    }
    // In a Column, not the layout (see MessageDelegate.qml: Qt 6.4 layouts and Repeaters).
    Column {
        id: deviceRows
        spacing: page.spacing
        Layout.fillWidth: true

        Repeater {
            model: page.app.devices
            delegate: RadioButton {
                required property string deviceId
                required property string description
                required property bool available
                objectName: "device_" + deviceId
                width: deviceRows.width
                ButtonGroup.group: deviceGroup
                enabled: available
                checked: deviceId === page.deviceId
                text: description.startsWith(deviceId) ? description : deviceId + " — " + description
                onToggled: if (checked) {
                    page.deviceId = deviceId
                    page.precision = deviceId === "cpu" ? "fp32" : "fp16"
                }
                Accessible.name: available ? qsTr("Device %1, %2").arg(deviceId).arg(description)
                                           : qsTr("Device %1, unavailable: %2").arg(deviceId).arg(description)
            }
        }
    }

    RowLayout {
        Layout.topMargin: 6
        spacing: 12
        Label { text: qsTr("Precision"); font.bold: true }
        ComboBox {
            id: precisionBox
            objectName: "precisionBox"
            enabled: !page.automatic
            model: ["fp32", "bf16", "fp16", "int8", "q4"]
            currentIndex: Math.max(0, model.indexOf(page.precision))
            onActivated: index => page.precision = model[index]
            displayText: page.precisionText(currentText)
            Layout.preferredWidth: Theme.px(230)
            delegate: ItemDelegate {
                required property string modelData
                required property int index
                width: precisionBox.width
                text: page.precisionText(modelData)
                highlighted: precisionBox.highlightedIndex === index
            }
            Accessible.name: qsTr("Weight precision")
            Accessible.description: displayText
        }
        Label { text: qsTr("CPU threads"); font.bold: true }
        SpinBox {
            from: 0
            to: 256
            editable: true
            value: page.threads
            onValueModified: page.threads = value
            textFromValue: (v, locale) => v === 0 ? qsTr("all") : Number(v).toString()
            valueFromText: (text, locale) => text === qsTr("all") ? 0 : parseInt(text)
            Accessible.name: qsTr("CPU threads, 0 for all cores")
        }
    }
    RowLayout {
        spacing: 12
        Label { text: qsTr("Layer split"); font.bold: true }
        TextField {
            Layout.fillWidth: true
            text: page.customStrategy
            placeholderText: qsTr("optional, e.g. vulkan:0 fp16 *6 -> cpu fp32 (overrides device and precision)")
            onTextEdited: page.customStrategy = text
            Accessible.name: qsTr("Strategy with layer splits, overrides device and precision")
        }
    }
    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        font.pixelSize: Theme.px(12)
        opacity: 0.7
        text: (page.automatic ? qsTr("Strategy: automatic. Each device that fits the model is tried with a few decoded tokens on its first load here, and the fastest is kept for this model (precision: fp16 on GPUs, on the CPU the file's own 16-bit type or bf16; int8 or q4 where only those fit).")
                              : qsTr("Strategy: %1. fp32 is exact; bf16 and fp16 halve the weights' memory, int8 and q4 cut the matrices to about a quarter and an eighth at a small cost in quality; fewer bytes decode faster on memory-bound machines.")
                                .arg(page.strategy))
              + (page.memoryText.length > 0 ? "\n" + qsTr("Memory estimate: %1.").arg(page.memoryText) : "")
    }

    RowLayout {
        Layout.topMargin: 6
        Button {
            text: qsTr("Load model")
            highlighted: true
            enabled: page.path.length > 0 && !page.app.modelLoading
            onClicked: page.app.loadModel(page.path, page.deviceId, page.precision, page.threads, page.customStrategy)
            Accessible.name: qsTr("Load the model with this strategy")
        }
        ProgressBar {
            Layout.fillWidth: true
            visible: page.app.modelLoading
            from: 0
            to: 1
            value: page.app.modelLoadProgress
            Accessible.name: qsTr("Model loading progress")
        }
        Button {
            objectName: "cancelLoadButton"
            visible: page.app.modelLoading
            text: qsTr("Cancel")
            onClicked: page.app.stop()
            Accessible.name: qsTr("Cancel loading; the previous model stays")
        }
    }

    ErrorBanner {
        objectName: "modelError"
        Layout.fillWidth: true
        text: page.app.modelError
        onDismissed: page.app.dismissError()
    }

    FileDialog {
        id: modelDialog
        objectName: "modelDialog"
        title: qsTr("Open a model")
        nameFilters: [qsTr("RWKV models (*.pth *.st *.safetensors)"), qsTr("All files (*)")]
        onAccepted: page.path = decodeURIComponent(selectedFile.toString().replace(/^file:\/\//, ""))
    }
}
