import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A labelled slider for one number of the sampling settings.
RowLayout {
    id: row

    property string label: ""
    property string hint: ""
    property real from: 0
    property real to: 1
    property real stepSize: 0.05
    property real value: 0
    property int decimals: 2

    signal moved(real value)

    spacing: 10

    Label {
        Layout.preferredWidth: 150
        text: row.label
        ToolTip.visible: hint.length > 0 && labelHover.hovered
        ToolTip.text: row.hint
        HoverHandler {
            id: labelHover
        }
    }
    Slider {
        id: slider
        Layout.fillWidth: true
        from: row.from
        to: row.to
        stepSize: row.stepSize
        value: row.value
        onMoved: row.moved(Number(value.toFixed(row.decimals)))
        Accessible.name: row.label
    }
    Label {
        Layout.preferredWidth: 48
        horizontalAlignment: Text.AlignRight
        text: Number(row.value).toFixed(row.decimals)
        font.family: "monospace"
    }
}
