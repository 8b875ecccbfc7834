import { podUrl } from "../../shared/settings";
import type { StatusSnapshot } from "../../shared/status";
import type { FollowState } from "../../shared/event-follower";
import type { ControlClient } from "../cli/client";
import { followStatus, type StatusFollower } from "../cli/follow";
import { trayModel, type QuitChoice, type TrayModel } from "./menu";
import { notificationsFor, type TrayNotification } from "./notifications";

export interface TrayControllerOptions {
  client: ControlClient;
  /** Draws the icon, tooltip and menu; called only when the model changed. */
  render: (model: TrayModel) => void;
  notify: (notification: TrayNotification) => void;
  autostart: () => boolean;
  ownership: () => QuitChoice["ownership"];
  onConnection?: (state: FollowState, detail?: string) => void;
}

/**
 * The tray's model, kept by following the daemon's events: status changes (never the pod's log
 * lines) and settings saves (the pod's address and "keep the pod running" follow them). It
 * re-follows after a drop or a daemon restart, and redraws the menu only when what it shows changed.
 */
export class TrayController {
  private snapshot: StatusSnapshot | undefined;
  private podUrl: string | undefined;
  private keepPodRunning = false;
  private drawn = "";
  private follower: StatusFollower | undefined;

  constructor(private readonly options: TrayControllerOptions) {}

  /** The model as drawn last (what Quit will do, where Open my pod goes). */
  get model(): TrayModel {
    return this.build();
  }

  get keepsPodRunning(): boolean {
    return this.keepPodRunning;
  }

  start(): void {
    this.redraw();
    this.follower = followStatus(
      this.options.client,
      (next) => {
        for (const notification of notificationsFor(this.snapshot, next)) this.options.notify(notification);
        this.snapshot = next;
        this.redraw();
      },
      {
        types: ["status", "settings"],
        onSettings: () => void this.readSettings(),
        onState: (state, detail) => {
          // After a drop, settings may have changed unseen: read them again once the stream is back.
          if (state === "open") void this.readSettings();
          this.options.onConnection?.(state, detail);
        },
      },
    );
  }

  stop(): Promise<void> {
    return this.follower?.stop() ?? Promise.resolve();
  }

  /** Draw again if anything the tray shows changed (e.g. after "Start at login" was toggled). */
  redraw(): void {
    const model = this.build();
    const key = JSON.stringify(model);
    if (key === this.drawn) return;
    this.drawn = key;
    this.options.render(model);
  }

  private build(): TrayModel {
    return trayModel(this.snapshot, { podUrl: this.podUrl, autostart: this.options.autostart(), quit: { keepPodRunning: this.keepPodRunning, ownership: this.options.ownership() } });
  }

  private async readSettings(): Promise<void> {
    try {
      const { settings } = await this.options.client.call("settings.get", {});
      this.podUrl = podUrl(settings);
      this.keepPodRunning = settings.tray.keepPodRunning;
      this.redraw();
    } catch {
      // The daemon went away meanwhile; the follower reads them again when it is back.
    }
  }
}
