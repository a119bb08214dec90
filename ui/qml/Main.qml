import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs

// The main window: conversations and documents on the left, the chat or the document in the
// middle, the meters on the right. `app` is the AppController.
ApplicationWindow {
    id: window

    required property var app

    // The screen's room (without panels where the desktop says so): the window opens at most
    // 90% of it; narrow windows fold the side panels away (see below).
    readonly property int roomWidth: Math.min(Screen.width, Screen.desktopAvailableWidth)
    readonly property int roomHeight: Math.min(Screen.height, Screen.desktopAvailableHeight)

    width: Math.max(minimumWidth, Math.min(1180, Math.round(roomWidth * 0.9)))
    height: Math.max(minimumHeight, Math.min(760, Math.round(roomHeight * 0.9)))
    minimumWidth: 480
    minimumHeight: 360
    visible: true
    title: (app.conversationTitle.length > 0 && app.view === "chat" ? app.conversationTitle + " — " : "") + "RWKV Desktop"

    // The controls take their colours from the system palette, live: a dark desktop (or one
    // switching to dark) gives a dark window.
    palette.window: sys.window
    palette.windowText: sys.windowText
    palette.base: sys.base
    palette.alternateBase: sys.alternateBase
    palette.text: sys.text
    palette.button: sys.button
    palette.buttonText: sys.buttonText
    palette.highlight: sys.highlight
    palette.highlightedText: sys.highlightedText
    palette.light: sys.light
    palette.midlight: sys.midlight
    palette.mid: sys.mid
    palette.dark: sys.dark
    palette.shadow: sys.shadow
    palette.placeholderText: sys.placeholderText
    palette.disabled.windowText: sysDisabled.windowText
    palette.disabled.text: sysDisabled.text
    palette.disabled.button: sysDisabled.button
    palette.disabled.buttonText: sysDisabled.buttonText

    // Every text follows the zoom (Ctrl+= / Ctrl+- / Ctrl+0, remembered): the controls through
    // the window's font, fixed sizes through Theme.px().
    font.pointSize: Qt.application.font.pointSize * Theme.zoom
    Binding {
        target: Theme
        property: "zoom"
        value: window.app.zoom
    }
    function zoomBy(step) {
        app.zoom = Math.round((app.zoom + step) * 10) / 10
    }

    SystemPalette {
        id: sys
    }
    SystemPalette {
        id: sysDisabled
        colorGroup: SystemPalette.Disabled
    }

    // Below these widths the meters, then the sidebar, fold away, and come back when the window
    // widens again; the toolbar's buttons (Ctrl+M, Ctrl+B) still show them on demand.
    readonly property bool narrow: width < 940
    readonly property bool veryNarrow: width < 620
    property bool metersOpen: !narrow
    property bool sidebarOpen: !veryNarrow
    onNarrowChanged: metersOpen = !narrow
    onVeryNarrowChanged: sidebarOpen = !veryNarrow

    function openSettings(tab) {
        settingsDialog.currentTab = tab
        settingsDialog.open()
    }

    header: TopBar {
        app: window.app
        metersVisible: window.metersOpen
        sidebarVisible: window.sidebarOpen
        onSettingsRequested: window.openSettings(0)
        onMetersToggled: window.metersOpen = !window.metersOpen
        onSidebarToggled: window.sidebarOpen = !window.sidebarOpen
    }

    SplitView {
        id: split
        anchors.fill: parent

        Sidebar {
            id: sidebar
            objectName: "sidebar"
            app: window.app
            visible: window.sidebarOpen
            SplitView.preferredWidth: window.narrow ? 210 : 260
            SplitView.minimumWidth: 190
            onOpenDocumentRequested: documentDialog.open()
            onImportRequested: importDialog.open()
            onExportRequested: (id, title) => window.exportConversation(id, title)
        }

        Item {
            SplitView.fillWidth: true
            SplitView.minimumWidth: 320

            StackLayout {
                anchors.fill: parent
                currentIndex: window.app.view === "document" ? 1 : 0

                ChatView {
                    id: chatView
                    app: window.app
                    onGetModelRequested: window.openSettings(3)
                }
                DocumentView {
                    id: documentView
                    app: window.app
                    onOpenRequested: documentDialog.open()
                }
            }

            ColumnLayout {
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.top: parent.top
                anchors.margins: 8

                ErrorBanner {
                    Layout.fillWidth: true
                    text: window.app.errorText
                    onDismissed: window.app.dismissError()
                }
                ErrorBanner {
                    objectName: "transferNotice"
                    Layout.fillWidth: true
                    color: "#2e7d32"
                    text: window.app.transfer.notice
                    onDismissed: window.app.transfer.dismissNotice()
                }
            }
        }

        MetersPanel {
            id: metersPanel
            objectName: "metersPanel"
            app: window.app
            visible: window.metersOpen
            SplitView.preferredWidth: 250
            SplitView.minimumWidth: 210
        }
    }

    DropArea {
        id: drop
        anchors.fill: parent
        onEntered: drag => drag.accepted = drag.hasUrls
        onDropped: drop => {
            for (const url of drop.urls) {
                if (window.app.transfer.isTransferFile(url)) {
                    window.app.transfer.importFile(url)
                    return
                }
                if (window.app.isDocument(url)) {
                    window.app.openDocument(url)
                    return
                }
            }
        }

        Rectangle {
            anchors.fill: parent
            visible: drop.containsDrag
            color: Qt.rgba(window.palette.highlight.r, window.palette.highlight.g, window.palette.highlight.b, 0.15)
            border.color: window.palette.highlight
            border.width: 3

            Label {
                anchors.centerIn: parent
                text: qsTr("Drop a .txt, .md or .pdf file to read it,\nor a .rwkvx export to import it")
                horizontalAlignment: Text.AlignHCenter
                font.pixelSize: Theme.px(22)
            }
        }
    }

    SettingsDialog {
        id: settingsDialog
        objectName: "settingsDialog"
        app: window.app
        anchors.centerIn: parent
    }

    FileDialog {
        id: documentDialog
        objectName: "documentDialog"
        title: qsTr("Open a document")
        nameFilters: [qsTr("Documents (*.txt *.md *.markdown *.pdf)"), qsTr("All files (*)")]
        onAccepted: window.app.openDocument(selectedFile)
    }

    // Conversations and states exported from this or another machine (.rwkvx), and
    // state-tuning files (a tuned initial state for the loaded model).
    FileDialog {
        id: importDialog
        objectName: "importDialog"
        title: qsTr("Import a conversation or a state")
        nameFilters: [qsTr("RWKV exports and state-tuning files (*.rwkvx *.pth *.safetensors)"), qsTr("All files (*)")]
        onAccepted: window.app.transfer.importFile(selectedFile)
    }
    FileDialog {
        id: exportDialog
        objectName: "exportDialog"
        property var conversationId: 0
        title: qsTr("Export conversation")
        fileMode: FileDialog.SaveFile
        acceptLabel: qsTr("Export")
        defaultSuffix: "rwkvx"
        nameFilters: [qsTr("Conversation with its states (*.rwkvx)"), qsTr("Markdown, the current branch (*.md)")]
        onAccepted: {
            // The Markdown filter with the offered .rwkvx name: the user wants Markdown.
            let file = selectedFile.toString()
            if (selectedNameFilter.index === 1 && !/\.md$/i.test(file))
                file = file.replace(/\.rwkvx$/i, "") + ".md"
            window.app.transfer.exportConversation(conversationId, file)
        }
    }
    // The file name offered is the title, without what file names cannot hold.
    function exportConversation(id, title) {
        exportDialog.conversationId = id
        const name = (title || "").replace(/[\/\\:*?"<>|\x00-\x1f]/g, " ").trim() || qsTr("conversation")
        exportDialog.selectedFile = exportDialog.currentFolder + "/" + name + ".rwkvx"
        exportDialog.open()
    }

    Shortcut {
        sequence: StandardKey.New
        onActivated: {
            window.app.newConversation()
            chatView.focusComposer()
        }
    }
    Shortcut {
        sequence: StandardKey.Open
        onActivated: documentDialog.open()
    }
    Shortcut {
        sequence: StandardKey.Find
        onActivated: sidebar.focusSearch()
    }
    Shortcut {
        sequence: "Ctrl+,"
        onActivated: window.openSettings(0)
    }
    Shortcut {
        sequence: "Ctrl+Shift+,"
        onActivated: window.openSettings(1)
    }
    Shortcut {
        sequence: "Escape"
        enabled: window.app.generating || window.app.ingesting
        onActivated: window.app.stop()
    }
    Shortcut {
        sequence: "Ctrl+R"
        onActivated: chatView.regenerateLast()
    }
    Shortcut {
        sequence: "Ctrl+L"
        onActivated: window.app.view === "document" ? documentView.focusComposer() : chatView.focusComposer()
    }
    Shortcut {
        sequence: "Ctrl+M"
        onActivated: window.metersOpen = !window.metersOpen
    }
    Shortcut {
        sequences: [StandardKey.ZoomIn, "Ctrl+="]
        onActivated: window.zoomBy(0.1)
    }
    Shortcut {
        sequences: [StandardKey.ZoomOut]
        onActivated: window.zoomBy(-0.1)
    }
    Shortcut {
        sequence: "Ctrl+0"
        onActivated: window.app.zoom = 1
    }
    Shortcut {
        sequence: "Ctrl+B"
        onActivated: window.sidebarOpen = !window.sidebarOpen
    }
    Shortcut {
        sequence: "Ctrl+Shift+C"
        onActivated: chatView.copyLast()
    }

    Component.onCompleted: {
        // The last geometry, shrunk to this screen (it may be smaller than the one it was saved on).
        const g = app.windowGeometry
        if (g.width >= minimumWidth && g.height >= minimumHeight) {
            x = g.x
            y = g.y
            width = Math.max(minimumWidth, Math.min(g.width, roomWidth))
            height = Math.max(minimumHeight, Math.min(g.height, roomHeight))
        }
        chatView.focusComposer()
    }
    onClosing: app.windowGeometry = Qt.rect(x, y, width, height)
}
