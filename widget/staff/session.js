/*!
 * Carebot staff pages: the screens (sign-in, "supervisors only", the app), the sign-in form, signing out and
 * resuming the session at load. The agent API's session cookie is shared by the console and the dashboard.
 */
import { $ } from "./dom.js";

const SCREENS = { login: "login-screen", denied: "denied-screen", app: "app" };

/** Shows one screen ("login", "denied" or "app") and hides the others the page has. */
export function showScreen(name) {
  Object.keys(SCREENS).forEach((key) => {
    const node = $(SCREENS[key]);
    if (node) node.hidden = key !== name;
  });
}

/** The sign-in screen, with `message` (if any) as its error. */
export function showLogin(message) {
  showScreen("login");
  const error = $("login-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("login-username").focus();
}

/** Wires #login-form: POST /api/agent/login, then `onSignedIn(agent)`; errors stay in the form. */
export function bindLoginForm(api, onSignedIn) {
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = $("login-username").value.trim();
    const password = $("login-password").value;
    const error = $("login-error");
    if (!username || !password) {
      error.textContent = "Enter your username and password.";
      error.hidden = false;
      (username ? $("login-password") : $("login-username")).focus();
      return;
    }
    const submit = $("login-submit");
    submit.disabled = true;
    submit.textContent = "Signing in…";
    try {
      const data = await api("POST", "/api/agent/login", { username, password });
      $("login-password").value = "";
      error.hidden = true;
      onSignedIn(data.agent);
    } catch (e) {
      error.textContent = e.status === 401 ? (e.message || "Wrong username or password.") : e.message;
      error.hidden = false;
      $("login-password").select();
      $("login-password").focus();
    } finally {
      submit.disabled = false;
      submit.textContent = "Sign in";
    }
  });
}

/** Ends the session on the hub; the page signs out locally whatever the answer. */
export async function signOut(api) {
  try { await api("POST", "/api/agent/logout"); } catch (e) { /* signed out locally anyway */ }
}

/** At load: `start(agent)` with the current session's agent, else `showLogin(message)`. */
export async function resumeSession(api, start, showLoginScreen) {
  try {
    const data = await api("GET", "/api/agent/me");
    start(data.agent);
  } catch (e) {
    showLoginScreen(e.status === 401 || e.status === undefined ? "" : e.message);
  }
}
