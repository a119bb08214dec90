import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// "Get a model": the catalog of official RWKV models, each with its size, licence and whether
// its weights fit this machine at the chosen precision (an estimate), downloaded with progress,
// Cancel and resume, then loaded. The work happens in app.downloads (app/model_downloads.h).
ColumnLayout {
    id: page

    required property var app
    readonly property var downloads: app.downloads
    readonly property string deviceId: app.modelChoice.deviceId
    property string precision: app.modelChoice.precision

    spacing: 8
    // Files may have come or gone meanwhile (rwkv-cli pull, a file manager).
    onVisibleChanged: if (visible && downloads.active === "") downloads.refresh()

    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        text: qsTr("Official RWKV models, downloaded into %1. A download that stops (Cancel, a dropped connection, "
                   + "quitting the app) continues where it stopped; a file is used only once its size and checksum "
                   + "match.").arg(page.downloads.modelsFolder)
    }

    RowLayout {
        spacing: 12
        Label { text: qsTr("Precision"); font.bold: true }
        ComboBox {
            id: precisionBox
            objectName: "downloadPrecisionBox"
            model: page.deviceId === "cpu" ? ["fp32", "bf16", "fp16", "int8", "q4"] : ["fp32", "bf16", "fp16"]
            currentIndex: Math.max(0, model.indexOf(page.precision))
            onActivated: index => page.precision = model[index]
            Accessible.name: qsTr("Precision for the memory estimate and for loading")
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            font.pixelSize: Theme.px(12)
            opacity: 0.7
            text: qsTr("Each model says where it would run here: a GPU with room for it in fp16, else the CPU in bf16, or in int8 or q4 only (an estimate against what each device has free now, %1 % of it at most). The precision here sets the download's load.")
                  .arg(Math.round(page.downloads.fitShare * 100))
        }
    }

    RowLayout {
        Layout.fillWidth: true
        spacing: 12
        Label { text: qsTr("Catalog URL"); font.bold: true }
        TextField {
            id: catalogUrlField
            objectName: "catalogUrlField"
            Layout.fillWidth: true
            text: page.downloads.catalogUrl
            placeholderText: qsTr("optional: a newer models.json to list instead of the one shipped with the app")
            onAccepted: refreshCatalogButton.clicked()
            Accessible.name: qsTr("Address of a model catalog to refresh the list from")
        }
        Button {
            id: refreshCatalogButton
            objectName: "refreshCatalogButton"
            text: page.downloads.catalogRefresh === "refreshing" ? qsTr("Refreshing…") : qsTr("Refresh")
            enabled: catalogUrlField.text.trim().length > 0 && page.downloads.catalogRefresh !== "refreshing"
            onClicked: {
                page.downloads.catalogUrl = catalogUrlField.text
                page.downloads.refreshCatalog()
            }
            Accessible.name: qsTr("Refresh the model catalog from this address")
        }
    }
    Label {
        objectName: "catalogRefreshStatus"
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        visible: text.length > 0
        font.pixelSize: Theme.px(12)
        color: page.downloads.catalogRefresh === "failed" ? "#c62828" : palette.windowText
        text: page.downloads.catalogRefresh === "failed"
              ? qsTr("The catalog could not be refreshed: %1. The previous list is kept.").arg(page.downloads.catalogRefreshError)
              : page.downloads.catalogRefresh === "done" ? qsTr("Catalog refreshed: %1 models.").arg(page.downloads.models.length) : ""
    }

    ErrorBanner {
        objectName: "catalogError"
        Layout.fillWidth: true
        text: page.downloads.catalogError.length > 0 ? qsTr("The model catalog could not be read: %1").arg(page.downloads.catalogError) : ""
        onDismissed: page.downloads.refresh()
    }

    // In a Column, not the layout: Qt 6.4's layout engine can read a delegate the Repeater is
    // rebuilding (the list changes as downloads progress) and crash (MessageDelegate.qml).
    Column {
        id: catalogRows
        Layout.fillWidth: true
        spacing: page.spacing

        Repeater {
            model: page.downloads.models
            delegate: CatalogModelRow {
                required property var modelData
                width: catalogRows.width
                app: page.app
                entry: modelData
                precision: page.precision
                deviceId: page.deviceId
            }
        }
    }

    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        font.pixelSize: Theme.px(12)
        opacity: 0.7
        text: qsTr("Sizes marked ≈ and models without a known checksum come from the public file listing and could not be confirmed "
                   + "(resources/catalog, docs/model-catalog.md). The same downloads from a terminal: rwkv-cli pull NAME.")
    }
}
