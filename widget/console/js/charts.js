/* Horizontal bar charts as inline SVG: no library, labels set as text, never as HTML. */
const SVG = "http://www.w3.org/2000/svg";
const ROW = 22, LABEL = 150, WIDTH = 460;

function node(tag, attrs, text) {
  const element = document.createElementNS(SVG, tag);
  Object.keys(attrs).forEach((key) => element.setAttribute(key, String(attrs[key])));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** An SVG with one bar per [label, value] row, longest bar = the largest value. */
export function barChart(rows, describe) {
  const largest = Math.max(1, ...rows.map((row) => row[1]));
  const svg = node("svg", {
    viewBox: "0 0 " + WIDTH + " " + Math.max(ROW, rows.length * ROW),
    width: "100%", role: "img", "aria-label": describe,
  });
  rows.forEach(([label, value], index) => {
    const y = index * ROW;
    const length = Math.round(((WIDTH - LABEL - 50) * value) / largest);
    svg.appendChild(node("text", { x: 0, y: y + 15, class: "bar-label" },
      label.length > 24 ? label.slice(0, 23) + "…" : label));
    svg.appendChild(node("rect", { x: LABEL, y: y + 4, width: Math.max(length, 1), height: ROW - 8, rx: 3, class: "bar" }));
    svg.appendChild(node("text", { x: LABEL + length + 6, y: y + 15, class: "bar-value" }, String(value)));
  });
  return svg;
}
