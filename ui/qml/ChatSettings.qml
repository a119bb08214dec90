import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// Sampling settings of the open conversation (saved with it) and of new conversations.
ColumnLayout {
    id: page

    required property var app
    readonly property var s: app.chatSettings

    function update(key, value) {
        const next = Object.assign({}, app.chatSettings)
        next[key] = value
        app.chatSettings = next
    }

    spacing: 8

    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        opacity: 0.75
        text: page.app.conversationId > 0
              ? qsTr("These settings are saved with “%1” and become the defaults for new chats.").arg(page.app.conversationTitle)
              : qsTr("These settings apply to the next new chat and are saved with it.")
    }

    SettingSlider {
        Layout.fillWidth: true
        label: qsTr("Temperature")
        hint: qsTr("0 always picks the most likely token (greedy)")
        from: 0
        to: 3
        value: page.s.temperature
        onMoved: v => page.update("temperature", v)
    }
    SettingSlider {
        Layout.fillWidth: true
        label: qsTr("Top-p")
        hint: qsTr("Sample only from the most likely tokens holding this much probability")
        from: 0
        to: 1
        value: page.s.topP
        onMoved: v => page.update("topP", v)
    }
    RowLayout {
        spacing: 10
        Label {
            Layout.preferredWidth: 150
            text: qsTr("Top-k (0 = off)")
        }
        SpinBox {
            from: 0
            to: 1000
            editable: true
            value: page.s.topK
            onValueModified: page.update("topK", value)
            Accessible.name: qsTr("Top-k")
        }
    }
    SettingSlider {
        Layout.fillWidth: true
        label: qsTr("Presence penalty")
        from: 0
        to: 2
        value: page.s.presencePenalty
        onMoved: v => page.update("presencePenalty", v)
    }
    SettingSlider {
        Layout.fillWidth: true
        label: qsTr("Frequency penalty")
        from: 0
        to: 2
        value: page.s.frequencyPenalty
        onMoved: v => page.update("frequencyPenalty", v)
    }
    SettingSlider {
        Layout.fillWidth: true
        label: qsTr("Penalty decay")
        from: 0.9
        to: 1
        stepSize: 0.001
        decimals: 3
        value: page.s.penaltyDecay
        onMoved: v => page.update("penaltyDecay", v)
    }
    RowLayout {
        spacing: 10
        Label {
            Layout.preferredWidth: 150
            text: qsTr("Reply limit (tokens)")
        }
        SpinBox {
            from: 1
            to: 8192
            stepSize: 50
            editable: true
            value: page.s.maxTokens
            onValueModified: page.update("maxTokens", value)
            Accessible.name: qsTr("Reply limit in tokens")
        }
    }
    RowLayout {
        spacing: 10
        Label {
            Layout.preferredWidth: 150
            text: qsTr("Regenerate makes")
        }
        SpinBox {
            objectName: "alternativesSpinBox"
            from: 1
            to: 8
            editable: true
            value: page.s.alternatives
            onValueModified: page.update("alternatives", value)
            Accessible.name: qsTr("Replies Regenerate makes at once")
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            opacity: 0.7
            font.pixelSize: Theme.px(12)
            text: qsTr("replies at once, decoded together for about the cost of one; each is a branch ‹ 1/N ›")
        }
    }

    Label {
        Layout.topMargin: 8
        text: qsTr("System prompt")
        font.bold: true
    }
    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        opacity: 0.7
        font.pixelSize: Theme.px(12)
        text: page.app.conversationId > 0
              ? qsTr("Fed once when a conversation starts, so it belongs to its first state; start a new chat to change it.")
              : qsTr("Fed once when the conversation starts; its state is saved, so it costs nothing afterwards.")
    }
    TextArea {
        Layout.fillWidth: true
        Layout.preferredHeight: 80
        enabled: page.app.conversationId === 0
        wrapMode: TextEdit.Wrap
        placeholderText: qsTr("e.g. You are a concise assistant.")
        text: page.s.systemPrompt
        onEditingFinished: if (text !== page.s.systemPrompt) page.update("systemPrompt", text)
        Accessible.name: qsTr("System prompt")
    }

    Button {
        Layout.topMargin: 6
        text: qsTr("Restore defaults")
        onClicked: page.app.chatSettings = {}
        Accessible.name: qsTr("Restore the default sampling settings")
    }

    StorageSettings {
        Layout.fillWidth: true
        app: page.app
    }
}
