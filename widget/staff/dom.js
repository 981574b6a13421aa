/*!
 * Carebot staff pages (agent console, supervisor dashboard): DOM and text helpers.
 *
 * Everything from the server goes in as text (textContent / text nodes); nothing is parsed as HTML.
 */

export const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

/** An element with an optional class and text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** A `type="button"` button (class "btn" unless given) calling `onClick`. */
export function button(label, className, onClick) {
  const node = el("button", className || "btn", label);
  node.type = "button";
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

/** An SVG element with attributes and optional text. */
export function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  Object.keys(attrs || {}).forEach((k) => node.setAttribute(k, String(attrs[k])));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** Says `message` in the page's polite live region (#announcer). */
export function announce(message) {
  const region = $("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 50);
}

/** "not_found" / "first-contact" -> "Not found" / "First contact". */
export function humanize(name) {
  const text = String(name || "").replace(/[_-]+/g, " ").trim();
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
}

/** "Alex Kim" -> "AK". */
export function initialsOf(name) {
  return String(name || "?").split(/\s+/).filter(Boolean).map((w) => w.charAt(0)).join("").slice(0, 2).toUpperCase();
}
