import * as z from "zod";

// The daemon's CSP forbids eval; without this zod would try `new Function` once (a CSP violation).
// Imported first by main.tsx, because modules build and parse schemas as they load.
z.config({ jitless: true });
