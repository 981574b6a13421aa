/*!
 * Carebot staff pages: ARIA tabs (role="tablist" with role="tab" buttons of class "tab").
 */

/** Marks `current` selected among `views` ([name, tab id, panel id]...) and shows only its panel. */
export function selectTab(views, current) {
  views.forEach(([name, tab, panel]) => {
    const on = name === current;
    const tabNode = document.getElementById(tab);
    tabNode.setAttribute("aria-selected", on ? "true" : "false");
    tabNode.tabIndex = on ? 0 : -1;
    document.getElementById(panel).hidden = !on;
  });
}

/** Arrow keys, Home and End move between the visible tabs of `tablist` and select the one reached. */
export function bindTabKeys(tablist) {
  tablist.addEventListener("keydown", (event) => {
    if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
    const tabs = Array.from(tablist.querySelectorAll(".tab")).filter((t) => !t.hidden);
    let index = tabs.indexOf(document.activeElement);
    if (event.key === "ArrowRight") index = (index + 1) % tabs.length;
    else if (event.key === "ArrowLeft") index = (index - 1 + tabs.length) % tabs.length;
    else index = event.key === "Home" ? 0 : tabs.length - 1;
    event.preventDefault();
    tabs[index].focus();
    tabs[index].click();
  });
}
