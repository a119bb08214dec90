import QtQuick
import QtQuick.Controls

// A line plot of one series of the meters over their window (x: seconds ago, y: value).
Canvas {
    id: plot

    required property var meters
    required property string series
    property color lineColor: "#2f8fdf"
    property bool fromZero: true
    property var formatValue: v => v.toFixed(0)

    SystemPalette {
        id: sys
    }

    Connections {
        target: plot.meters
        function onChanged() {
            plot.requestPaint()
        }
    }
    Connections {
        target: Theme
        function onZoomChanged() {
            plot.requestPaint()
        }
    }
    onWidthChanged: requestPaint()
    onHeightChanged: requestPaint()

    onPaint: {
        const ctx = getContext("2d")
        ctx.reset()
        const w = width, h = height, pad = 4, labelHeight = Theme.px(12)
        const points = meters.points(series)
        const window = meters.windowSeconds
        let top = meters.maximum(series)
        let bottom = 0
        if (!fromZero && points.length > 0) {
            bottom = top
            for (const p of points) bottom = Math.min(bottom, p.y)
            bottom *= 0.9
        }
        if (top <= bottom) top = bottom + 1
        top *= 1.1

        ctx.fillStyle = Qt.rgba(sys.base.r, sys.base.g, sys.base.b, 1)
        ctx.fillRect(0, 0, w, h)
        ctx.strokeStyle = Qt.rgba(sys.text.r, sys.text.g, sys.text.b, 0.12)
        ctx.lineWidth = 1
        for (let i = 1; i < 4; ++i) {
            const y = Math.round(pad + labelHeight + (h - 2 * pad - labelHeight) * i / 4) + 0.5
            ctx.beginPath()
            ctx.moveTo(0, y)
            ctx.lineTo(w, y)
            ctx.stroke()
        }

        const xOf = x => pad + (w - 2 * pad) * (x + window) / window
        const yOf = v => h - pad - (h - 2 * pad - labelHeight) * (v - bottom) / (top - bottom)
        if (points.length > 0) {
            ctx.beginPath()
            ctx.moveTo(xOf(points[0].x), h - pad)
            for (const p of points) ctx.lineTo(xOf(p.x), yOf(p.y))
            ctx.lineTo(xOf(points[points.length - 1].x), h - pad)
            ctx.closePath()
            ctx.fillStyle = Qt.rgba(lineColor.r, lineColor.g, lineColor.b, 0.18)
            ctx.fill()
            ctx.beginPath()
            for (let i = 0; i < points.length; ++i) {
                const x = xOf(points[i].x), y = yOf(points[i].y)
                if (i === 0) ctx.moveTo(x, y)
                else ctx.lineTo(x, y)
            }
            ctx.strokeStyle = lineColor
            ctx.lineWidth = 1.5
            ctx.stroke()
        }

        ctx.fillStyle = Qt.rgba(sys.text.r, sys.text.g, sys.text.b, 0.65)
        ctx.font = Theme.px(10) + "px sans-serif"
        const peak = meters.maximum(series)
        ctx.fillText(peak > 0 ? qsTr("max %1").arg(formatValue(peak)) : qsTr("idle"), pad + 2, pad + Theme.px(9))
        ctx.fillText(qsTr("−%1 s").arg(window), pad + 2, h - pad - 2)
    }
}
