import QtQuick
import QtQuick.Controls

// Says, wherever a user first meets the bundled demo model, that it is a toy and where real
// RWKV models come from.
Label {
    id: note

    required property var app
    // Offer the "Get a model" page as a link (where getModelRequested opens it).
    property bool offerDownloads: false

    signal getModelRequested

    visible: app.modelReady && app.model.demo === true
    wrapMode: Text.Wrap
    textFormat: Text.StyledText
    // Blues with at least 4.5:1 contrast on the light and the dark window colour.
    linkColor: palette.window.hslLightness < 0.5 ? "#8ab4f8" : "#1a5fb4"
    text: qsTr("This is the bundled demo model, an 18.7M-parameter toy that knows a few phrases and can look up facts in a short document: it is there to try the app, not a real assistant. Get a real RWKV model in %1, or take a .pth from <a href=\"https://huggingface.co/BlinkDL\">huggingface.co/BlinkDL</a> and open it in Settings → Model.")
          .arg(offerDownloads ? "<a href=\"app:get-model\">" + qsTr("Settings → Get a model") + "</a>" : qsTr("Settings → Get a model"))
    onLinkActivated: link => link === "app:get-model" ? note.getModelRequested() : Qt.openUrlExternally(link)
    Accessible.name: qsTr("The demo model is a toy; get a real RWKV model in Settings, Get a model")

    HoverHandler {
        cursorShape: note.hoveredLink.length > 0 ? Qt.PointingHandCursor : Qt.ArrowCursor
    }
}
