/*!
 * Agent console: the supervisors' overview tab (queues, agents, live conversations).
 */
import { $, button, el, humanize, initialsOf } from "../staff/dom.js";
import { failed, fetchQueue } from "./console.js";
import { select } from "./conversation.js";
import { SKILLS, api, state } from "./core.js";
import { customerBadges, customerName, duration, levelBadge, levelOf, waitClock } from "./render.js";

// ------------------------------------------------------------------ supervisor overview
export function renderOverview() {
  if (!state.me || state.me.role !== "supervisor") return;
  const { queued, live, agents } = state.queue;
  const skills = SKILLS.slice();
  queued.concat(live).forEach((h) => { if (h.skill && !skills.includes(h.skill)) skills.push(h.skill); });
  const cards = $("ov-skills");
  cards.textContent = "";
  skills.forEach((skill) => {
    const waiting = queued.filter((h) => h.skill === skill);
    const active = live.filter((h) => h.skill === skill && h.status === "active");
    const longest = waiting.reduce((m, h) => Math.max(m, h.waiting_s || 0), 0);
    const card = el("div", "ov-card" + (waiting.length ? " ov-card--busy" : ""));
    card.appendChild(el("h3", "ov-card-title", humanize(skill)));
    const stats = el("dl", "ov-stats");
    stats.appendChild(el("dt", "", "Waiting"));
    stats.appendChild(el("dd", "ov-num", String(waiting.length)));
    stats.appendChild(el("dt", "", "Longest wait"));
    const dd = el("dd", "ov-num");
    dd.appendChild(waiting.length ? waitClock(longest, state.fetchedAt) : document.createTextNode("—"));
    stats.appendChild(dd);
    stats.appendChild(el("dt", "", "In progress"));
    stats.appendChild(el("dd", "ov-num", String(active.length)));
    card.appendChild(stats);
    cards.appendChild(card);
  });

  const agentRows = $("ov-agents").tBodies[0];
  agentRows.textContent = "";
  agents.forEach((a) => {
    const tr = el("tr");
    const name = el("td");
    name.appendChild(el("span", "avatar avatar-small", a.initials || initialsOf(a.name)));
    name.appendChild(document.createTextNode(a.name + (a.role === "supervisor" ? " (supervisor)" : "")));
    tr.appendChild(name);
    const online = el("td", "nowrap");
    online.appendChild(el("span", "presence presence--" + (a.online ? "on" : "off"), a.online ? "Online" : "Offline"));
    tr.appendChild(online);
    tr.appendChild(el("td", "", (a.skills || []).map(humanize).join(", ")));
    const load = el("td", "nowrap");
    const activeN = a.active || 0;
    const capacity = a.capacity || 0;
    const meter = el("span", "meter meter--load");
    const fill = el("span", "meter-fill" + (capacity && activeN >= capacity ? " meter-fill--full" : ""));
    fill.style.width = (capacity ? Math.min(100, (activeN / capacity) * 100) : 0) + "%";
    meter.appendChild(fill);
    load.appendChild(meter);
    load.appendChild(el("span", "load-text", activeN + " / " + capacity));
    tr.appendChild(load);
    agentRows.appendChild(tr);
  });
  if (!agents.length) {
    const tr = el("tr");
    const td = el("td", "empty", "No agents.");
    td.colSpan = 4;
    tr.appendChild(td);
    agentRows.appendChild(tr);
  }

  const liveRows = $("ov-live").tBodies[0];
  liveRows.textContent = "";
  const seen = new Set();
  const conversations = live.concat(queued).filter((h) => (seen.has(h.id) ? false : seen.add(h.id)));
  conversations.forEach((h) => {
    const tr = el("tr");
    const who = el("td");
    who.appendChild(document.createTextNode(customerName(h)));
    who.appendChild(customerBadges(h.customer));
    tr.appendChild(who);
    tr.appendChild(el("td", "", humanize(h.skill)));
    tr.appendChild(el("td", "", humanize(h.status)));
    tr.appendChild(el("td", "", h.agent && h.agent.name ? h.agent.name : "—"));
    const mood = el("td");
    mood.appendChild(levelBadge(levelOf(h), h.frustration));
    tr.appendChild(mood);
    const time = el("td");
    time.appendChild(h.status === "queued" ? waitClock(h.waiting_s, state.fetchedAt) : document.createTextNode(duration(h.waiting_s)));
    tr.appendChild(time);
    const actions = el("td", "row-actions");
    const open = button("Open", "btn btn-small", () => select(h.id));
    open.setAttribute("aria-label", "Open conversation with " + customerName(h));
    actions.appendChild(open);
    if (h.status === "queued") {
      const accept = button("Accept", "btn btn-small btn-primary", async () => {
        try {
          await api("POST", "/api/agent/handoffs/" + encodeURIComponent(h.id) + "/accept");
          await select(h.id);
          fetchQueue();
        } catch (e) {
          failed(e);
          fetchQueue();
        }
      });
      accept.setAttribute("aria-label", "Accept conversation with " + customerName(h));
      actions.appendChild(accept);
    }
    tr.appendChild(actions);
    liveRows.appendChild(tr);
  });
  if (!conversations.length) {
    const tr = el("tr");
    const td = el("td", "empty", "No live conversations.");
    td.colSpan = 7;
    tr.appendChild(td);
    liveRows.appendChild(tr);
  }
}
