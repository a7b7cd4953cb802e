/** Channel name → adapter. Adding a channel: one folder under bots/, one line here, fixtures. */
import { WebAdapter } from './web/adapter.js';

export function createAdapters() {
  return { web: new WebAdapter() };
}

export type Adapters = ReturnType<typeof createAdapters>;
