/** Renders a queued chat message in the chat's language at delivery time. */
import type { ChatMessagePayload } from '../outbox/outbox.service.js';
import { messages } from '../i18n/messages.js';
import type { Reply } from './types.js';
import { renderStageNotice, type StageNoticeParams } from '../notifications/stage-notice.js';
import { renderBroadcast } from '../broadcasts/broadcast-render.js';

export function renderChatMessage(p: ChatMessagePayload, locale: string): Reply {
  const m = messages(locale);
  switch (p.template) {
    case 'binding_notice':
      return { text: m.bindingNotice(p.params.name ?? '', p.params.at ?? '') };
    case 'ticket_reply':
      return { text: m.officerReply(p.params.text ?? ''), buttons: [{ label: m.buttons.human, action: 'human' }, { label: m.buttons.menu, action: 'menu' }] };
    case 'officer':
      return { text: p.params.text ?? '', buttons: p.buttons };
    case 'stage_changed':
      return renderStageNotice(p.params as unknown as StageNoticeParams, locale);
    case 'broadcast':
      // The content is joined from the Broadcast row at delivery (outbox.service.ts PAYLOAD_WITH_BROADCAST).
      if (!p.broadcast) throw new Error(`broadcast message without its broadcast (${p.broadcastId ?? '?'})`);
      return renderBroadcast(p.broadcast, locale);
    default:
      return { text: p.params.text ?? '' };
  }
}
