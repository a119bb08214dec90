import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// An error a user can act on, shown over the content until dismissed.
Rectangle {
    id: banner

    property string text: ""

    signal dismissed

    visible: text.length > 0
    implicitHeight: row.implicitHeight + 16
    radius: 8
    color: "#c62828"

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: 12
        anchors.rightMargin: 4

        Label {
            Layout.fillWidth: true
            text: banner.text
            color: "white"
            wrapMode: Text.Wrap
            Accessible.role: Accessible.AlertMessage
            Accessible.name: banner.text
        }
        ToolButton {
            text: qsTr("Dismiss")
            palette.buttonText: "white"
            onClicked: banner.dismissed()
            Accessible.name: qsTr("Dismiss the error")
        }
    }
}
