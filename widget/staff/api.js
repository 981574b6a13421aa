/*!
 * Carebot staff pages: the care hub's JSON API over fetch, with the session cookie.
 */

/** A failed call: `status` is the HTTP status (0 when the hub could not be reached), `code` the hub's error code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Shown when the hub's answer has no message of its own; a page adds its own (403, 404...).
const FALLBACK_MESSAGES = {
  401: "Your session has ended. Please sign in again.",
  429: "Too many attempts. Please wait a moment and try again.",
};

/**
 * `api(method, path, body)`: resolves to the JSON answer (null for 204), rejects with an ApiError.
 * `messages`: status -> the page's own fallback messages.
 */
export function createApi(messages) {
  const fallback = Object.assign({}, FALLBACK_MESSAGES, messages);
  return async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new ApiError(0, "network", "Can't reach the care hub. Check your connection and try again.");
    }
    if (response.status === 204) return null;
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok) return data;
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_" + response.status,
      error.message || fallback[response.status] || "Something went wrong (" + response.status + ").");
  };
}
