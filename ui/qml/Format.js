.pragma library
// Turns the numbers the app reports (bytes, nanoseconds, tokens per second) into text.

function bytes(n) {
    if (!(n >= 0)) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
        n /= 1024;
        ++i;
    }
    return (i === 0 ? n.toFixed(0) : n.toFixed(n >= 100 ? 0 : 1)) + " " + units[i];
}

function count(n) {
    if (!(n >= 0)) return "–";
    const digits = Math.round(n).toString();
    let out = "";
    for (let i = 0; i < digits.length; ++i) {
        if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
        out += digits[i];
    }
    return out;
}

function rate(tokensPerSecond) {
    if (!(tokensPerSecond > 0)) return "–";
    return (tokensPerSecond >= 100 ? count(tokensPerSecond) : tokensPerSecond.toFixed(1)) + " tok/s";
}

function ms(ns) {
    if (!(ns >= 0)) return "–";
    const v = ns / 1e6;
    return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + " ms";
}

function seconds(s) {
    if (!(s >= 0)) return "–";
    if (s < 60) return Math.max(1, Math.ceil(s)) + " s";
    const m = Math.floor(s / 60);
    return m + " min " + Math.round(s - 60 * m) + " s";
}
