import { afterEach, describe, expect, it } from "vitest";
import { checkRedis } from "../../main/pod/prerequisites";
import { parseRedisUrl, redisPing } from "../../main/pod/redis-ping";
import { freePort, startRedis } from "./helpers";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("Redis check", () => {
  it("passes when a real redis-server answers PING", async () => {
    const redis = await startRedis();
    cleanups.push(redis.stop);
    expect(await checkRedis(redis.url)).toBeUndefined();
  });

  it("says nothing is listening when no Redis runs at the configured address", async () => {
    const port = await freePort();
    const problem = await checkRedis(`redis://127.0.0.1:${port}`);
    expect(problem).toMatchObject({ code: "redis-unreachable", message: `Redis does not answer at 127.0.0.1:${port}: nothing is listening there. diaspora* cannot run without Redis.` });
    expect(problem!.fix).toContain("Managed Redis");
  });

  it("authenticates with the URL's password, and says so when it is refused", async () => {
    const redis = await startRedis({ password: "letmein-1234" });
    cleanups.push(redis.stop);
    expect(await redisPing(parseRedisUrl(`redis://:letmein-1234@127.0.0.1:${redis.port}/0`)!)).toEqual({ ok: true });
    expect(await redisPing(parseRedisUrl(`redis://:wrong-one@127.0.0.1:${redis.port}`)!)).toEqual({ ok: false, reason: "it refused the password" });
    const problem = await checkRedis(`redis://:wrong-one@127.0.0.1:${redis.port}`);
    expect(problem!.message).toContain("it refused the password");
    expect(problem!.message).not.toContain("wrong-one");
  });

  it("reads redis://, unix:// and rejects other URLs", () => {
    expect(parseRedisUrl("redis://localhost")).toEqual({ host: "localhost", port: 6379 });
    expect(parseRedisUrl("redis://user:p%40ss@10.0.0.5:6380/0")).toEqual({ host: "10.0.0.5", port: 6380, username: "user", password: "p@ss" });
    expect(parseRedisUrl("unix:///tmp/redis.sock")).toEqual({ host: "", port: 0, path: "/tmp/redis.sock" });
    expect(parseRedisUrl("http://localhost")).toBeUndefined();
  });
});
