/* Alerts: a beep and a flashing title on new handoffs; the page title counts unread
 * messages of every held chat and the waiting customers; desktop notifications while the
 * console is in the background (a setting: the browser's permission is asked for once,
 * when the agent turns them on). */
import { $, toast } from "./dom.js";
import { customerName } from "./format.js";
import { state } from "./state.js";

const BASE_TITLE = document.title;
const DESKTOP_KEY = "console_desktop_alerts";

/** Whether the agent is looking at the console right now. */
export function pageSeen() {
  return document.visibilityState === "visible" && document.hasFocus();
}

export const alerts = {
  audio: null, soundOn: true, flashing: null, count: 0,
  desktopOn: false,
  onDesktopClick: null,  // (chat id) -> show that chat
  unlock() {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!this.audio && Ctx) { try { this.audio = new Ctx(); } catch (e) { this.audio = null; } }
    if (this.audio && this.audio.state === "suspended") this.audio.resume();
  },
  beep() {
    if (!this.soundOn || !this.audio) return;
    const ctx = this.audio, now = ctx.currentTime;
    [0, 0.18].forEach((offset, i) => {
      const osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = i ? 1175 : 880;
      gain.gain.setValueAtTime(0.0001, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, now + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.17);
    });
  },
  notify(message) {
    this.count += 1;
    document.body.setAttribute("data-alerts", String(this.count)); // visible to tests
    this.beep();
    this.flash(message);
    this.desktop(message, "Open the console to claim it.", null);
  },
  /** A desktop notification, when they are on and the agent is not looking. */
  desktop(title, body, chatId) {
    if (!this.desktopOn || pageSeen() || !("Notification" in window) || Notification.permission !== "granted") return;
    const note = new Notification(title, { body: String(body).slice(0, 160), tag: chatId || "queue" });
    note.onclick = () => {
      window.focus();
      if (chatId && this.onDesktopClick) this.onDesktopClick(chatId);
      note.close();
    };
  },
  flash(message) {
    let on = false, rounds = 0;
    clearInterval(this.flashing);
    this.flashing = setInterval(() => {
      on = !on;
      rounds += 1;
      document.title = on ? "\u2709 " + message : titleWithCounts();
      // Keep flashing while the tab is in the background; a few times when it is seen.
      if (rounds >= 6 && pageSeen()) this.stopFlash();
    }, 900);
  },
  stopFlash() {
    clearInterval(this.flashing);
    this.flashing = null;
    document.title = titleWithCounts();
  },
  /** The title shows the counts, unless it is flashing a new alert right now. */
  refreshTitle() {
    if (!this.flashing) document.title = titleWithCounts();
  },
};

/** "Kim 2 · Customer 3f9a1c 1 · 1 waiting — Agent console": unread per held chat first. */
function titleWithCounts() {
  const parts = state.order.map((id) => state.chats[id]).filter((chat) => chat.unread > 0)
    .map((chat) => customerName(chat.conversation, chat.id) + " " + chat.unread);
  if (state.queue.length) parts.push(state.queue.length + " waiting");
  return parts.length ? parts.join(" \u00b7 ") + " \u2014 " + BASE_TITLE : BASE_TITLE;
}

function showDesktopSetting() {
  const button = $("desktop-toggle");
  button.setAttribute("aria-pressed", String(alerts.desktopOn));
  button.textContent = alerts.desktopOn ? "Desktop alerts on" : "Desktop alerts off";
}

function toggleDesktop() {
  if (alerts.desktopOn) {
    alerts.desktopOn = false;
    saveDesktopSetting();
    showDesktopSetting();
    return;
  }
  if (!("Notification" in window)) { toast("This browser cannot show desktop notifications.", true); return; }
  const granted = Notification.permission === "granted" ? Promise.resolve("granted") : Notification.requestPermission();
  granted.then((permission) => {
    alerts.desktopOn = permission === "granted";
    if (!alerts.desktopOn) toast("The browser blocks notifications for this site; allow them in its site settings.", true);
    saveDesktopSetting();
    showDesktopSetting();
  });
}

function saveDesktopSetting() {
  try { localStorage.setItem(DESKTOP_KEY, alerts.desktopOn ? "on" : "off"); } catch (e) { /* private mode */ }
}

export function initAlerts() {
  const back = () => {
    if (!pageSeen()) return;
    if (alerts.flashing) setTimeout(() => alerts.stopFlash(), 2500);
    const chat = state.active && state.chats[state.active];
    if (chat) chat.seen();  // the agent is back: what the open chat showed is read
  };
  window.addEventListener("focus", back);
  document.addEventListener("visibilitychange", back);
  document.addEventListener("click", () => alerts.unlock(), { once: true });
  try {
    alerts.desktopOn = localStorage.getItem(DESKTOP_KEY) === "on" && "Notification" in window && Notification.permission === "granted";
  } catch (e) { alerts.desktopOn = false; }
  showDesktopSetting();
  $("desktop-toggle").addEventListener("click", toggleDesktop);
}
