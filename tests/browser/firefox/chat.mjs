// The widget in Firefox: load the demo page, open the widget, chat, use a quick reply, reload and see the
// history, and a hostile bot reply that must not run. Prints one JSON object of observations; the pytest
// side (test_widget_firefox.py) asserts on it. Usage: node chat.mjs <hub url>
import puppeteer from "puppeteer-core";

const hub = process.argv[2];
const FIREFOX = process.env.CAREBOT_FIREFOX || "/usr/bin/firefox-esr";
const W = "#carebot-widget >>> ";  // the widget lives in an open shadow root
const seen = {};

const browser = await puppeteer.launch({ browser: "firefox", executablePath: FIREFOX, headless: true });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const texts = (selector) => page.$$eval(W + selector, (nodes) => nodes.map((n) => n.textContent.trim()));
  const waitForText = (selector, text) => page.waitForFunction(
    (sel, want) => {
      const root = document.getElementById("carebot-widget").shadowRoot;
      return [...root.querySelectorAll(sel)].some((n) => n.textContent.includes(want));
    }, { timeout: 15000 }, selector, text);
  const say = async (text) => {
    await page.type(W + "textarea", text);
    await page.keyboard.press("Enter");
  };

  await page.goto(hub + "/demo/");
  await page.click(W + ".cb-launcher");
  await page.waitForFunction(() => {
    const root = document.getElementById("carebot-widget").shadowRoot;
    const status = root && root.querySelector(".cb-status-text");
    return status && status.textContent.trim() === "Online";
  }, { timeout: 15000 });
  seen.opened = true;

  await say("hello");
  await waitForText(".cb-row--bot .cb-bubble", "Hi there! What can I help you with today?");
  seen.quickReplies = await texts(".cb-quick button");
  await page.click(W + ".cb-quick button");
  await waitForText(".cb-row--bot .cb-bubble", "Sure! What's your order number?");

  await say("xss please");
  await page.waitForFunction(() => {
    const root = document.getElementById("carebot-widget").shadowRoot;
    return [...root.querySelectorAll(".cb-row--bot .cb-bubble")].some((n) => n.textContent.includes("<script>"));
  }, { timeout: 15000 });
  seen.xssRan = await page.evaluate(() => window.__xss === 1);
  seen.injectedElements = await page.evaluate(() => {
    const root = document.getElementById("carebot-widget").shadowRoot;
    return root.querySelectorAll(".cb-log img[onerror], .cb-log script").length;
  });

  await page.reload();
  await page.waitForFunction(() => {
    const root = document.getElementById("carebot-widget").shadowRoot;
    return root && root.querySelectorAll(".cb-row--customer .cb-bubble").length >= 3;
  }, { timeout: 15000 });
  seen.historyAfterReload = await texts(".cb-row--customer .cb-bubble");
  seen.userAgent = await browser.version();
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
