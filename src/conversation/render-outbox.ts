/** Renders a queued chat message in the chat's language at delivery time. */
import type { ChatMessagePayload } from '../outbox/outbox.service.js';
import { messages } from '../i18n/messages.js';
import type { Reply } from './types.js';

export function renderChatMessage(p: ChatMessagePayload, locale: string): Reply {
  const m = messages(locale);
  switch (p.template) {
    case 'binding_notice':
      return { text: m.bindingNotice(p.params.name ?? '', p.params.at ?? '') };
    default:
      return { text: p.params.text ?? '' };
  }
}
