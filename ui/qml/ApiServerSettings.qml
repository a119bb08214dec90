import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// The local OpenAI-compatible API server on the loaded model: off by default, loopback only.
ColumnLayout {
    id: page

    required property var app

    spacing: 8

    GroupBox {
        Layout.fillWidth: true
        title: qsTr("Local API server")

        GridLayout {
            anchors.fill: parent
            columns: 2
            columnSpacing: 12

            Label { text: qsTr("Server"); opacity: 0.7 }
            Switch {
                id: enabledSwitch
                checked: page.app.apiServerEnabled
                text: checked ? qsTr("On") : qsTr("Off")
                Accessible.name: qsTr("Local API server")
                onToggled: page.app.setApiServer(checked, portBox.value)
            }
            Label { text: qsTr("Port"); opacity: 0.7 }
            SpinBox {
                id: portBox
                from: 1024
                to: 65535
                editable: true
                value: page.app.apiServerPort
                textFromValue: (v) => String(v)
                valueFromText: (t) => parseInt(t)
                Accessible.name: qsTr("API server port")
                onValueModified: if (page.app.apiServerEnabled) page.app.setApiServer(true, value)
            }
            Label { text: qsTr("Base URL"); opacity: 0.7 }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    Layout.fillWidth: true
                    elide: Text.ElideRight
                    text: page.app.apiServerUrl !== "" ? page.app.apiServerUrl
                          : page.app.apiServerEnabled ? qsTr("not running (see the error, or load a model)") : "–"
                }
                Button {
                    visible: page.app.apiServerUrl !== ""
                    text: qsTr("Copy")
                    onClicked: page.app.copyText(page.app.apiServerUrl)
                }
            }
        }
    }

    Label {
        Layout.fillWidth: true
        wrapMode: Text.Wrap
        opacity: 0.7
        text: qsTr("Any OpenAI client can use the loaded model at this address (this computer only). "
                   + "A request that continues an earlier conversation resumes from its saved state "
                   + "instead of reading the whole history again. It shares the model with your chats: "
                   + "one of them runs while the other waits.")
    }
}
