pragma Singleton
import QtQuick

// The text size factor of the whole window (Ctrl+= / Ctrl+- / Ctrl+0), set by Main.qml from the
// app's remembered setting; fixed font sizes go through px() so they follow it.
QtObject {
    property real zoom: 1

    function px(size) {
        return Math.round(size * zoom)
    }
}
