/*!
 * Supervisor dashboard: the chart cards and the inline SVG charts (lines, columns, bars).
 */
import { el, svg } from "../staff/dom.js";
import { COLORS } from "./core.js";
import { dayLabel, fmt, isNum } from "./format.js";

// ------------------------------------------------------------------ overview: charts
/** A chart card: title, description, the SVG (role img), a legend, controls, and the numbers as a table. */
export function chartCard(figure, spec) {
  figure.replaceChildren();
  const id = figure.id;
  const caption = el("figcaption", "chart-head");
  const titles = el("div", "chart-titles");
  const title = el("h3", "chart-title", spec.title);
  title.id = id + "-title";
  const desc = el("p", "chart-sub", spec.description);
  desc.id = id + "-desc";
  titles.appendChild(title);
  titles.appendChild(desc);
  caption.appendChild(titles);
  if (spec.controls) caption.appendChild(spec.controls);
  figure.appendChild(caption);

  const body = el("div", "chart-body");
  figure.appendChild(body);
  const width = Math.max(240, Math.floor(body.clientWidth || figure.clientWidth - 32 || 480));
  let chart;
  if (spec.empty) {
    chart = el("p", "chart-empty", spec.empty);
  } else {
    chart = spec.draw(width);
    // Named by the card's title; described by its sentence and a summary of the numbers.
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-labelledby", title.id);
    chart.setAttribute("aria-describedby", desc.id + " " + id + "-summary");
    chart.prepend(svg("desc", { id: id + "-summary" }, spec.summary));
    chart.prepend(svg("title", {}, spec.title));
    chart.classList.add("chart-svg");
  }
  body.appendChild(chart);

  if (spec.legend && !spec.empty) {
    const legend = el("ul", "legend");
    legend.setAttribute("aria-hidden", "true");  // the table says the same
    spec.legend.forEach(([name, color, kind]) => {
      const item = el("li", "legend-item");
      const swatch = el("span", "legend-swatch" + (kind === "line" ? " legend-swatch--line" : ""));
      swatch.style.background = color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(name));
      legend.appendChild(item);
    });
    figure.appendChild(legend);
  }

  const details = el("details", "chart-data");
  details.appendChild(el("summary", null, "Show the numbers"));
  const scroll = el("div", "table-scroll");
  const table = el("table", "table table-compact");
  table.appendChild(el("caption", "sr-only", spec.title));
  const thead = el("thead");
  const headRow = el("tr");
  spec.table.head.forEach((h) => {
    const th = el("th", null, h);
    th.scope = "col";
    headRow.appendChild(th);
  });
  thead.appendChild(headRow);
  table.appendChild(thead);
  const tbody = el("tbody");
  spec.table.rows.forEach((row, index) => {
    const tr = el("tr", spec.table.totalRow && index === spec.table.rows.length - 1 ? "row-total" : null);
    row.forEach((cell, i) => {
      const td = el(i === 0 ? "th" : "td", i === 0 ? null : "num", cell);
      if (i === 0) td.scope = "row";
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  });
  table.appendChild(tbody);
  scroll.appendChild(table);
  details.appendChild(scroll);
  figure.appendChild(details);
}

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function ticks(min, max, count) {
  const out = [];
  for (let i = 0; i <= count; i++) out.push(min + ((max - min) * i) / count);
  return out;
}

/** An axis for counts: whole-number steps, about four of them. */
function countAxis(value) {
  const step = Math.max(1, niceMax(Math.max(1, value) / 4));
  const steps = Math.max(1, Math.ceil(value / step));
  return { max: step * steps, steps };
}

function tickLabel(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 && value > -1 ? 2 : 1);
}

/** Vertical axes and grid of a day chart; returns the scales. */
function dayFrame(root, width, height, days, yMin, yMax, yFormat, yTicks) {
  const m = { top: 12, right: 12, bottom: 28, left: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const band = plotW / Math.max(1, days.length);
  const x = (i) => m.left + band * (i + 0.5);
  const y = (v) => m.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;
  ticks(yMin, yMax, yTicks || 4).forEach((v) => {
    root.appendChild(svg("line", { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: "grid" }));
    root.appendChild(svg("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, yFormat(v)));
  });
  const every = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor(plotW / 64))));
  days.forEach((day, i) => {
    if (i % every !== 0 && i !== days.length - 1) return;
    if (i === days.length - 1 && i % every !== 0 && (days.length - 1) % every < every / 2) return;  // no overlap
    root.appendChild(svg("text", { x: x(i), y: height - 8, "text-anchor": "middle", class: "axis" }, dayLabel(day)));
  });
  return { x, y, band, m, plotH };
}

export function lineChart(width, days, series) {
  const height = 220;
  const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height });
  const { x, y } = dayFrame(root, width, height, days, 0, 100, (v) => v + "%");
  series.forEach((s) => {
    // A gap where a day has no data (null), never a drop to 0.
    let path = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (!isNum(v)) { pen = false; return; }
      path += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
      pen = true;
    });
    if (path) root.appendChild(svg("path", { d: path, fill: "none", stroke: s.color, "stroke-width": 2.5,
      "stroke-linejoin": "round", "stroke-linecap": "round", class: "series" }));
    s.values.forEach((v, i) => {
      if (!isNum(v)) return;
      const dot = svg("circle", { cx: x(i), cy: y(v), r: days.length > 45 ? 2 : 3.5, fill: s.color, class: "dot" });
      dot.appendChild(svg("title", {}, s.name + " " + dayLabel(days[i]) + ": " + fmt.pct(v)));
      root.appendChild(dot);
    });
  });
  return root;
}

export function columnChart(width, days, stacks) {
  const height = 220;
  const totals = days.map((_, i) => stacks.reduce((sum, s) => sum + (s.values[i] || 0), 0));
  const whole = stacks.every((s) => s.values.every((v) => Number.isInteger(v || 0)));
  const axis = whole ? countAxis(Math.max(...totals)) : { max: niceMax(Math.max(...totals)), steps: 4 };
  const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height });
  const { x, y, band } = dayFrame(root, width, height, days, 0, axis.max, tickLabel, axis.steps);
  const barW = Math.max(2, Math.min(36, band * 0.7));
  days.forEach((day, i) => {
    let base = 0;
    stacks.forEach((s) => {
      const v = s.values[i] || 0;
      if (v <= 0) return;
      const rect = svg("rect", { x: x(i) - barW / 2, y: y(base + v), width: barW, height: y(base) - y(base + v),
        fill: s.color, rx: 2 });
      rect.appendChild(svg("title", {}, dayLabel(day) + ": " + v + " " + s.name.toLowerCase()));
      root.appendChild(rect);
      base += v;
    });
  });
  return root;
}

/** Horizontal bars, one per item ({label, value}); negative values go left of a zero line. */
export function barChart(width, items, format, color, range) {
  const row = 30;
  const labelW = Math.min(200, Math.max(90, Math.floor(width * 0.28)));
  const valueW = 70;
  const m = { top: 6, bottom: 6 };
  const height = m.top + m.bottom + items.length * row;
  const values = items.map((i) => (isNum(i.value) ? i.value : 0));
  const lo = Math.min(0, range && isNum(range.min) && Math.min(...values) < 0 ? range.min : Math.min(0, ...values));
  const hi = range && isNum(range.max) ? range.max : niceMax(Math.max(...values, 0));
  const plotX = labelW + 8;
  const plotW = width - plotX - valueW;
  const x = (v) => plotX + ((v - lo) / (hi - lo || 1)) * plotW;
  const root = svg("svg", { width, height, viewBox: "0 0 " + width + " " + height });
  items.forEach((item, i) => {
    const top = m.top + i * row;
    const short = clip(item.label, Math.floor(labelW / 7));
    const label = svg("text", { x: labelW, y: top + row / 2 + 4, "text-anchor": "end", class: "bar-label" }, short);
    if (short !== item.label) label.setAttribute("data-full", item.label);  // the table has it in full
    root.appendChild(label);
    root.appendChild(svg("rect", { x: plotX, y: top + 5, width: plotW, height: row - 10, class: "bar-track", rx: 3 }));
    if (isNum(item.value)) {
      const a = x(Math.min(0, item.value));
      const b = x(Math.max(0, item.value));
      root.appendChild(svg("rect", { x: a, y: top + 5, width: Math.max(item.value === 0 ? 0 : 2, b - a),
        height: row - 10, fill: item.value < 0 ? COLORS.red : item.color || color, rx: 3 }));
    }
    root.appendChild(svg("text", { x: width - valueW + 8, y: top + row / 2 + 4, class: "bar-value" },
      format(item.value)));
  });
  if (lo < 0) root.appendChild(svg("line", { x1: x(0), x2: x(0), y1: 0, y2: height, class: "zero" }));
  return root;
}

function clip(text, max) {
  text = String(text);
  return text.length > max ? text.slice(0, Math.max(1, max - 1)) + "…" : text;
}
