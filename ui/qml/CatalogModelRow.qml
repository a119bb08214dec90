import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import "Format.js" as Format

// One catalog model on the "Get a model" page: what it is, whether it fits, and its download
// (Download / Resume, progress with Cancel, Load once verified, or why it failed).
Frame {
    id: row

    required property var app
    required property var entry
    required property string precision
    required property string deviceId
    readonly property var downloads: app.downloads
    readonly property bool active: downloads.active === entry.name
    readonly property double weightBytes: downloads.weightBytes(entry.parameters, precision)
    // Where it would run here: a GPU in fp16 or narrower, the CPU in bf16 or narrower (core catalogFit).
    readonly property var fit: downloads.fit(entry.parameters, downloads.gpuOffers)
    readonly property var progress: downloads.progress

    objectName: "catalogRow-" + entry.name

    function generationName(g) {
        return g === "x070" ? "RWKV-7" : g === "x060" ? "RWKV-6" : g === "x052" ? "RWKV-5" : g === "x040" ? "RWKV-4" : g
    }
    function parameterText(n) {
        return n >= 1e9 ? (n / 1e9).toFixed(1) + "B" : Math.round(n / 1e6) + "M"
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 4

        RowLayout {
            Layout.fillWidth: true
            Label {
                text: row.entry.title
                font.bold: true
            }
            Label {
                Layout.fillWidth: true
                elide: Text.ElideRight
                opacity: 0.7
                text: qsTr("%1 · %2 parameters · %3%4 · %5").arg(row.generationName(row.entry.generation))
                      .arg(row.parameterText(row.entry.parameters)).arg(row.entry.sizeConfirmed ? "" : "≈ ")
                      .arg(Format.bytes(row.entry.size)).arg(row.entry.license)
            }
            Label {
                objectName: "fitLabel"
                text: row.fit.text
                color: !row.fit.fits ? "#c62828" : row.fit.precision === "int8" || row.fit.precision === "q4" ? "#b26a00" : "#2e7d32"
                font.bold: true
                ToolTip.visible: fitArea.containsMouse
                ToolTip.text: qsTr("Estimate from the parameter count: the weights at that precision and %1 % for the rest, within %2 % of the free memory")
                              .arg(15).arg(Math.round(row.downloads.fitShare * 100))
                MouseArea {
                    id: fitArea
                    anchors.fill: parent
                    hoverEnabled: true
                }
            }
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: 8
            Label {
                objectName: "downloadStatus"
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                font.pixelSize: Theme.px(12)
                text: {
                    const weights = qsTr("weights ≈ %1 at %2").arg(Format.bytes(row.weightBytes)).arg(row.precision)
                    if (row.active) {
                        const p = row.progress
                        let t = Format.bytes(p.done)
                        if (p.total > 0) t = qsTr("%1 of %2 (%3 %)").arg(t).arg(Format.bytes(p.total)).arg(Math.floor(100 * p.done / p.total))
                        t += qsTr(", %1/s").arg(Format.bytes(p.speed))
                        if (p.secondsLeft >= 0) t += qsTr(", %1 left").arg(Format.seconds(p.secondsLeft))
                        return t
                    }
                    if (row.entry.state === "ready")
                        return qsTr("Downloaded%1 · %2").arg(row.entry.verified ? qsTr(", checksum verified") : "").arg(weights)
                    if (row.entry.state === "partial")
                        return qsTr("%1 downloaded so far · %2").arg(Format.bytes(row.entry.partBytes)).arg(weights)
                    return weights + (row.entry.verifiable ? "" : qsTr(" · no known checksum: only the size is checked"))
                }
            }
            Button {
                objectName: "downloadButton"
                visible: !row.active && row.entry.state !== "ready"
                enabled: row.downloads.active === ""
                text: row.entry.state === "partial" ? qsTr("Resume") : qsTr("Download")
                onClicked: row.downloads.download(row.entry.name)
                Accessible.name: qsTr("%1 %2").arg(text).arg(row.entry.title)
            }
            Button {
                objectName: "cancelDownloadButton"
                visible: row.active
                text: qsTr("Cancel")
                onClicked: row.downloads.cancel()
                Accessible.name: qsTr("Cancel the download of %1 (it can be resumed)").arg(row.entry.title)
            }
            Button {
                objectName: "loadDownloadedButton"
                visible: row.entry.state === "ready"
                enabled: !row.app.modelLoading
                highlighted: true
                text: qsTr("Load")
                onClicked: row.app.loadModel(row.entry.path, row.deviceId, row.precision, row.app.modelChoice.threads, "")
                Accessible.name: qsTr("Load %1 at %2").arg(row.entry.title).arg(row.precision)
            }
        }

        ProgressBar {
            Layout.fillWidth: true
            visible: row.active
            from: 0
            to: 1
            indeterminate: !(row.progress.total > 0)
            value: row.progress.total > 0 ? row.progress.done / row.progress.total : 0
            Accessible.name: qsTr("Download progress of %1").arg(row.entry.title)
        }

        Label {
            objectName: "downloadError"
            Layout.fillWidth: true
            visible: text.length > 0
            wrapMode: Text.Wrap
            color: "#c62828"
            text: row.entry.error.length > 0 ? qsTr("Download failed: %1").arg(row.entry.error)
                  : row.entry.bad ? qsTr("An earlier download that failed its check is kept aside as %1.bad; it is never loaded.")
                                    .arg(row.entry.path) : ""
            Accessible.role: Accessible.AlertMessage
            Accessible.name: text
        }
    }
}
