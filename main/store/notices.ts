import type { Notice } from "../../shared/notices";
import { UserError } from "../../shared/errors";
import { asObject, readJsonFile, writeFileSafely } from "./files";

const maxDismissed = 200;

/**
 * notices.json: the notices that stay until the user fixes their field or dismisses them, and
 * the ids dismissed (so a notice derived again from the same file stays dismissed). Reading never
 * writes; the book is saved when settings are saved or a notice is dismissed.
 */
export class NoticeBook {
  private constructor(
    private readonly path: string,
    private active: Notice[],
    private dismissed: string[],
  ) {}

  static async open(path: string, derived: Notice[]): Promise<NoticeBook> {
    const read = await readJsonFile(path);
    const file = read.state === "ok" ? asObject(read.value) : undefined;
    const stored = Array.isArray(file?.notices) ? (file.notices as Notice[]).filter((n) => typeof n?.id === "string" && typeof n.text === "string") : [];
    const dismissed = Array.isArray(file?.dismissed) ? (file.dismissed as unknown[]).filter((id): id is string => typeof id === "string") : [];
    const byId = new Map([...stored, ...derived].map((notice) => [notice.id, notice]));
    return new NoticeBook(path, [...byId.values()].filter((notice) => !dismissed.includes(notice.id)), dismissed);
  }

  list(): Notice[] {
    return [...this.active];
  }

  /** Notices about any of `keys` (a key, its group, or a key inside it) are resolved: the user set them. */
  resolve(keys: string[]): void {
    const touches = (field: string) => keys.some((key) => key === field || field.startsWith(`${key}.`) || key.startsWith(`${field}.`));
    this.active = this.active.filter((notice) => notice.field === undefined || !touches(notice.field));
  }

  /** Ids of notices that go away by themselves when their cause does (derived again at each load). */
  async dismiss(id: string, transient: string[] = []): Promise<void> {
    if (!this.active.some((notice) => notice.id === id) && !transient.includes(id)) {
      throw new UserError({ code: "unknown-notice", message: `There is no notice "${id}".`, fix: "Run `podhost notices` to list them with their ids." });
    }
    this.active = this.active.filter((notice) => notice.id !== id);
    this.dismissed = [...this.dismissed.filter((other) => other !== id), id].slice(-maxDismissed);
    await this.save();
  }

  isDismissed(id: string): boolean {
    return this.dismissed.includes(id);
  }

  async save(): Promise<void> {
    await writeFileSafely(this.path, `${JSON.stringify({ notices: this.active, dismissed: this.dismissed }, null, 2)}\n`, 0o600);
  }
}
