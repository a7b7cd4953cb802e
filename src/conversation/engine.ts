/**
 * The conversation engine: one InboundMessage in, Replies out, for any channel. It decides
 * what the user wants (button, ID number in the text, intent, dialog step, FAQ), runs the
 * domain service and renders the answer in the chat's language. It never throws: an
 * infrastructure failure becomes a polite "try again shortly".
 */
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SqlRunner } from '../db/sql.js';
import type { Logger } from '../shared/log.js';
import type { Clock } from '../shared/clock.js';
import type { Keys } from '../shared/secrets.js';
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { ProgramDefinition } from '../programs/definition.js';
import type { FaqEntry, FaqIndex } from '../faq/faq.js';
import type { QuotaStore } from '../lookup/quota.js';
import type { DialogState, DialogStore } from './dialog-store.js';
import type { Button, InboundMessage, Reply } from './types.js';
import { messages, type Messages } from '../i18n/messages.js';
import { cleanText, fold, hasNoContent, MAX_INPUT, understand } from './text.js';
import { extract, type DateExtract } from './extract.js';
import { detectIntent, detectWeakIntent, type Intent } from './intents.js';
import { checkIdNumber, hashIdNumber, idLastDigits } from '../people/id-number.js';
import { formatDateTimeVi, formatVi, localDateAt } from '../calendar/local-date.js';
import { formatVnd } from '../shared/format.js';
import { personView, verifiedLookup, type FileView, type LookupCounter, type PersonView } from '../lookup/lookup.service.js';
import { forgetIdentity, setLocale, setNotify, touchIdentity, type Identity } from '../identities/identity.service.js';
import { audit } from '../audit/audit.service.js';
import { nextStep, parseAnswer } from '../eligibility/questionnaire.js';
import { INVITE_PATTERN, redeemInvite } from '../officers/officer.service.js';
import { handleOfficerMessage, isOfficerCommand } from '../officers/officer-chat.js';
import { addToTicket, openTicket } from '../tickets/ticket.service.js';
import { officerMessages } from '../i18n/officer-messages.js';
import { broadcastMessages } from '../i18n/broadcast-messages.js';
import { checkVerificationCodes, type CodeCheck } from '../broadcasts/verify.service.js';
import { FAQ_ACTION } from '../broadcasts/broadcast-render.js';
import { scamSignal } from './scam.js';

/** FAQ answers below this similarity are not given; the menu and a person are offered. */
export const FAQ_THRESHOLD = 0.45;

export interface EngineDeps {
  prisma: PrismaClient;
  /** Raw SQL for the hot path (look-up, audit, chat upsert). */
  sql: SqlRunner;
  keys: Keys;
  clock: Clock;
  calendar: WorkingCalendar;
  programs: ProgramDefinition[];
  faq: FaqIndex;
  dialogs: DialogStore;
  quota: QuotaStore;
  log: Logger;
  /** Counts look-up results (the process's metrics); absent = not counted. */
  metrics?: LookupCounter;
}

interface Ctx {
  identity: Identity;
  m: Messages;
  state: DialogState;
  msg: InboundMessage;
}

export class ConversationEngine {
  constructor(private readonly d: EngineDeps) {}

  async handle(msg: InboundMessage): Promise<Reply[]> {
    let m = messages(msg.locale);
    try {
      const identity = await touchIdentity(this.d.sql, msg.channel, msg.chatId, this.d.clock.now(), msg.locale);
      m = messages(identity.locale);
      // A verification code (typed, or inside a forwarded message) is checked for anyone, officers too.
      const codes = msg.text ? await checkVerificationCodes(this.d.sql, this.d.keys.verify, msg.text.slice(0, MAX_INPUT)) : [];
      if (codes.length) return await this.onCodes(identity, codes);
      // A broadcast's FAQ button works in anyone's chat, officers' too.
      if (msg.action?.startsWith(`${FAQ_ACTION}:`)) return this.faqAnswer(identity.locale, msg.action.slice(FAQ_ACTION.length + 1));
      if (identity.officerId !== null) {
        if (msg.action?.startsWith('start:') || INVITE_PATTERN.test(msg.text ?? '')) return [{ text: officerMessages(identity.locale).inviteAlreadyOfficer, buttons: officerMessages(identity.locale).buttons }];
        return await handleOfficerMessage(this.d, identity.officerId, identity.locale, msg.text, msg.action);
      }
      const invite = msg.action?.startsWith('start:') ? msg.action.slice(6) : INVITE_PATTERN.exec(msg.text ?? '')?.[0];
      if (invite && INVITE_PATTERN.test(invite)) return await this.onInvite(identity, invite);
      const state = await this.d.dialogs.get(identity.id);
      const ctx: Ctx = { identity, m, state, msg };
      if (msg.action) return await this.onAction(ctx, msg.action);
      return await this.onText(ctx, msg.text ?? '');
    } catch (e) {
      this.d.log.error({ err: e, channel: msg.channel }, 'conversation failed');
      return [{ text: m.busy }];
    }
  }

  /** An officer's invite code, from a deep link or typed: binds this chat to the officer. */
  private async onInvite(identity: Identity, code: string): Promise<Reply[]> {
    const om = officerMessages(identity.locale);
    const r = await redeemInvite(this.d.sql, this.d.keys, identity.id, code, this.d.clock.now(), identity.locale);
    await audit(this.d.sql, { action: 'officer_invite', result: r.kind, channel: identity.channel, identityId: identity.id, detail: r.kind === 'ok' ? { officer: r.officerId } : undefined, at: this.d.clock.now() });
    if (r.kind === 'ok') {
      await this.d.dialogs.clear(identity.id);
      return [{ text: `${om.welcome(r.name, r.area)}

${om.help}`, buttons: om.buttons }];
    }
    return [{ text: r.kind === 'already' ? om.inviteAlreadyOfficer : om.inviteBad }];
  }

  private menu(m: Messages): Button[] {
    return m.menuButtons;
  }

  private async onText(ctx: Ctx, raw: string): Promise<Reply[]> {
    const { m } = ctx;
    const text = cleanText(raw);
    if (!text || hasNoContent(text)) return [{ text: m.empty, buttons: this.menu(m) }];
    const replies = await this.route(ctx, text);
    if (raw.length > MAX_INPUT) replies.unshift({ text: m.truncated });
    return replies;
  }

  private async route(ctx: Ctx, text: string): Promise<Reply[]> {
    const understood = understand(text);
    const intent = detectIntent(understood);
    const currentYear = Number(localDateAt(this.d.clock.now()).slice(0, 4));
    const scam = scamSignal(understood, text);
    if (scam === 'link') return this.onScam(ctx, text, scam);
    if (scam === 'marker') {
      // "chuyển khoản", "mật khẩu"... are also in honest questions the FAQ answers ("có chuyển khoản không").
      const faq = this.d.faq.best(text);
      return faq && faq.score >= FAQ_THRESHOLD ? this.faqReply(ctx, faq.entry) : this.onScam(ctx, text, scam);
    }
    const ex = extract(text, currentYear);

    // An ID number anywhere in the text starts (or restarts) a look-up; a number that is
    // almost an ID gets a precise hint, except while answering the questionnaire.
    if (ctx.state.step !== 'elig') {
      const id = ex.id;
      if (id.kind === 'id' || id.kind === 'letters' || (id.kind === 'bad_length' && (id.length >= 9 || ctx.state.step === 'await_id'))) {
        return this.lookupWithId(ctx, id, ex.date, currentYear);
      }
    }
    if (intent) return this.onIntent(ctx, intent, text);
    if (isOfficerCommand(fold(text))) return [{ text: officerMessages(ctx.identity.locale).citizenOnly, buttons: this.menu(ctx.m) }];
    switch (ctx.state.step) {
      case 'await_dob':
        return this.onBirthDate(ctx, ctx.state, ex.date);
      case 'await_id':
        return [{ text: ctx.m.askId, buttons: [{ label: ctx.m.buttons.menu, action: 'menu' }] }];
      case 'elig':
        return this.onEligibilityText(ctx, ctx.state, text);
      case 'handoff':
        return this.onHandoffText(ctx, ctx.state.requestId, text);
      default:
        break;
    }
    const faq = this.d.faq.best(text);
    if (faq && faq.score >= FAQ_THRESHOLD) return this.faqReply(ctx, faq.entry);
    const weak = detectWeakIntent(understood);
    if (weak) return this.onIntent(ctx, weak, text);
    return [{ text: ctx.m.fallback, buttons: this.menu(ctx.m) }];
  }

  private faqReply(ctx: Ctx, entry: FaqEntry): Reply[] {
    return [{ text: ctx.identity.locale === 'en' ? entry.en : entry.vi, buttons: this.menu(ctx.m) }];
  }

  private async onAction(ctx: Ctx, action: string): Promise<Reply[]> {
    const [verb, arg] = action.split(':', 2) as [string, string | undefined];
    // Own keys only: an action such as "constructor" (the web chat's body is the user's) is not an intent.
    const intent = Object.hasOwn(ACTION_INTENTS, verb) ? ACTION_INTENTS[verb]!(arg) : undefined;
    if (intent) return this.onIntent(ctx, intent, '');
    switch (verb) {
      case 'start': // a deep link's code (officer invites are handled by the officer issue)
      case 'menu':
        await this.d.dialogs.clear(ctx.identity.id);
        return [{ text: ctx.m.greeting, buttons: this.menu(ctx.m) }];
      case 'elig':
        return arg ? this.startEligibility(ctx, arg) : this.onIntent(ctx, 'elig', '');
      case 'ans':
        if (ctx.state.step === 'elig' && arg !== undefined) return this.onEligibilityAnswer(ctx, ctx.state, arg === 'y' ? true : arg === 'n' ? false : arg);
        return [{ text: ctx.m.empty, buttons: this.menu(ctx.m) }];
      default:
        return [{ text: ctx.m.fallback, buttons: this.menu(ctx.m) }];
    }
  }

  private async onIntent(ctx: Ctx, intent: Intent, text: string): Promise<Reply[]> {
    const { m, identity } = ctx;
    const { prisma } = this.d;
    switch (intent) {
      case 'lookup':
        await this.d.dialogs.set(identity.id, { step: 'await_id' });
        return [{ text: m.askId }];
      case 'mine':
        return this.showMine(ctx);
      case 'elig':
      case 'elig_generic':
        await this.d.dialogs.set(identity.id, { step: 'elig_program' });
        return [{ text: m.eligChooseProgram, buttons: [...this.d.programs].reverse().map((p) => ({ label: programLabel(p, identity.locale), action: `elig:${p.code}` })) }];
      case 'faq_menu':
        return [{ text: m.help, buttons: this.menu(m) }];
      case 'help':
        return [{ text: m.help, buttons: this.menu(m) }];
      case 'greeting':
        await this.d.dialogs.clear(identity.id);
        return [{ text: m.greeting, buttons: this.menu(m) }];
      case 'thanks':
        return [{ text: m.thanks }];
      case 'lang_en':
      case 'lang_vi': {
        const locale = intent === 'lang_en' ? 'en' : 'vi';
        await setLocale(prisma, identity.id, locale);
        const nm = messages(locale);
        return [{ text: nm.languageSet, buttons: nm.menuButtons }];
      }
      case 'notify_on': {
        const bound = await prisma.binding.count({ where: { identityId: identity.id } });
        if (bound === 0) return [{ text: m.notifyNeedsLookup, buttons: [{ label: m.buttons.lookup, action: 'lookup' }] }];
        await setNotify(prisma, identity.id, true);
        await audit(this.d.sql, { action: 'notify_on', result: 'ok', channel: identity.channel, identityId: identity.id, at: this.d.clock.now() });
        return [{ text: m.notifyOn }];
      }
      case 'notify_off':
        await setNotify(prisma, identity.id, false);
        await audit(this.d.sql, { action: 'notify_off', result: 'ok', channel: identity.channel, identityId: identity.id, at: this.d.clock.now() });
        return [{ text: m.notifyOff }];
      case 'forget': {
        const n = await forgetIdentity(this.d.sql, identity.id);
        await this.d.dialogs.clear(identity.id);
        await audit(this.d.sql, { action: 'forget', result: 'ok', channel: identity.channel, identityId: identity.id, detail: { unlinked: n }, at: this.d.clock.now() });
        return [{ text: m.forgot(n), buttons: this.menu(m) }];
      }
      case 'human': {
        const bound = await prisma.binding.findFirst({ where: { identityId: identity.id }, include: { person: { select: { id: true, communeId: true } } }, orderBy: { id: 'desc' } });
        const req = await openTicket(this.d.sql, {
          identityId: identity.id, personId: bound?.person.id ?? null, communeId: bound?.person.communeId ?? null,
          text: text && detectIntent(understand(text)) !== 'human' ? text : null, now: this.d.clock.now(),
        });
        await audit(this.d.sql, { action: 'handoff', result: 'recorded', channel: identity.channel, identityId: identity.id, detail: { requestId: req.id }, at: this.d.clock.now() });
        await this.d.dialogs.set(identity.id, { step: 'handoff', requestId: req.id });
        return [{ text: m.handoff }];
      }
    }
  }

  /** A broadcast's button: one FAQ answer by its id. */
  private faqAnswer(locale: string, id: string): Reply[] {
    const m = messages(locale);
    const entry = this.d.faq.entries.find((e) => e.id === id);
    return [{ text: entry ? (locale === 'en' ? entry.en : entry.vi) : m.fallback, buttons: this.menu(m) }];
  }

  // ---- anti-phishing ----

  /** "Is this really from ansinh?": each code is genuine (with what it was about) or not. */
  private async onCodes(identity: Identity, checks: CodeCheck[]): Promise<Reply[]> {
    const bm = broadcastMessages(identity.locale);
    const en = identity.locale === 'en';
    const lines = checks.map((c) => {
      if (!c.found) return bm.notFound(c.code);
      if (c.kind === 'broadcast') return bm.genuineBroadcast(c.code, formatVi(c.date), en ? c.subject.en : c.subject.vi);
      return bm.genuineNotice(c.code, formatVi(c.date), bm.noticeSubject(en ? c.program.en : c.program.vi, en ? c.stage.en : c.stage.vi));
    });
    if (checks.some((c) => c.found)) lines.push(bm.compareHint);
    lines.push('', bm.neverAsks);
    if (!checks.every((c) => c.found)) lines.push(bm.reportHint);
    for (const c of checks) {
      await audit(this.d.sql, { action: 'verify_code', result: c.found ? 'genuine' : 'unknown', channel: identity.channel, identityId: identity.id, detail: { code: c.code, ...(c.found ? { kind: c.kind } : {}) }, at: this.d.clock.now() });
    }
    const m = messages(identity.locale);
    return [{ text: lines.join('\n'), buttons: identity.officerId === null ? [{ label: m.buttons.human, action: 'human' }, { label: m.buttons.menu, action: 'menu' }] : [{ label: m.buttons.menu, action: 'menu' }] }];
  }

  /** A message with a link, an OTP, a password, a transfer or a fee, and no code: a warning. */
  private async onScam(ctx: Ctx, text: string, signal: 'link' | 'marker'): Promise<Reply[]> {
    const bm = broadcastMessages(ctx.identity.locale);
    await audit(this.d.sql, { action: 'scam_warning', result: signal, channel: ctx.identity.channel, identityId: ctx.identity.id, at: this.d.clock.now() });
    const warning: Reply = { text: [bm.suspicious, bm.neverAsks, bm.reportHint].join('\n'), buttons: [{ label: ctx.m.buttons.human, action: 'human' }, { label: ctx.m.buttons.menu, action: 'menu' }] };
    // Someone telling an officer about a scam: the words still reach the ticket.
    if (ctx.state.step === 'handoff') return [...(await this.onHandoffText(ctx, ctx.state.requestId, text)), warning];
    return [warning];
  }

  // ---- look-up ----

  private async lookupWithId(ctx: Ctx, id: ReturnType<typeof extract>['id'], date: DateExtract, currentYear: number): Promise<Reply[]> {
    const { m } = ctx;
    if (id.kind === 'bad_length') return [{ text: m.idBadLength(id.length) }];
    if (id.kind !== 'id') return [{ text: m.idLetters }];
    const check = checkIdNumber(id.digits, { currentYear });
    const impossible = check.problems.filter((p) => p === 'province' || p === 'future');
    if (impossible.length) {
      await audit(this.d.sql, { action: 'lookup', result: 'invalid_id', channel: ctx.identity.channel, identityId: ctx.identity.id, at: this.d.clock.now() });
      this.d.metrics?.lookup('invalid_id');
      return [{ text: m.idImpossible(impossible.map((p) => (p === 'province' ? m.reasonProvince : m.reasonFuture))) }];
    }
    const state: Extract<DialogState, { step: 'await_dob' }> = {
      step: 'await_dob',
      idHash: hashIdNumber(this.d.keys.id, id.digits),
      last: idLastDigits(id.digits),
      kind: check.kind!,
      year: check.birthYear,
      gender: check.gender,
    };
    if (date.kind === 'none') {
      await this.d.dialogs.set(ctx.identity.id, state);
      return [{ text: m.askDob(state.last) }];
    }
    return this.onBirthDate(ctx, state, date);
  }

  private async onBirthDate(ctx: Ctx, state: Extract<DialogState, { step: 'await_dob' }>, date: DateExtract): Promise<Reply[]> {
    const { m } = ctx;
    const keep = () => this.d.dialogs.set(ctx.identity.id, state);
    switch (date.kind) {
      case 'none':
        await keep();
        return [{ text: m.askDob(state.last) }];
      case 'invalid':
        await keep();
        return [{ text: m.dateInvalid }];
      case 'future':
        await keep();
        return [{ text: m.dateFuture }];
      case 'year':
        if (!state.askedFull) {
          await this.d.dialogs.set(ctx.identity.id, { ...state, askedFull: true });
          return [{ text: m.askFullDate }];
        }
        break;
      case 'date':
        break;
    }
    const year = date.year;
    if (state.year !== undefined && state.year !== year) {
      await keep();
      await audit(this.d.sql, { action: 'lookup', result: 'invalid_id', channel: ctx.identity.channel, identityId: ctx.identity.id, subjectHash: state.idHash, detail: { reason: 'year_mismatch' }, at: this.d.clock.now() });
      this.d.metrics?.lookup('invalid_id');
      return [{ text: m.yearMismatch(state.year) }];
    }
    await this.d.dialogs.clear(ctx.identity.id);
    const outcome = await verifiedLookup(this.d, { identityId: ctx.identity.id, channel: ctx.identity.channel }, state.idHash, { date: date.kind === 'date' ? date.date : undefined, year });
    this.d.metrics?.lookup(outcome.result);
    if (outcome.kind === 'locked') {
      const until = formatDateTimeVi(outcome.lock.until);
      return [{ text: outcome.lock.scope === 'id' ? m.lockedId(until) : m.lockedChat(until) }];
    }
    if (outcome.kind === 'mismatch') return [{ text: m.mismatch, buttons: [{ label: m.buttons.human, action: 'human' }, { label: m.buttons.menu, action: 'menu' }] }];
    const replies: Reply[] = [{ text: this.renderPerson(ctx, outcome.person), buttons: this.afterLookupButtons(ctx) }];
    if (outcome.binding === 'limit') replies.push({ text: m.boundLimit });
    return replies;
  }

  private afterLookupButtons(ctx: Ctx): Button[] {
    const { m } = ctx;
    return [
      ctx.identity.notify ? { label: m.buttons.notifyOff, action: 'notify:off' } : { label: m.buttons.notifyOn, action: 'notify:on' },
      { label: m.buttons.lookup, action: 'lookup' },
      { label: m.buttons.menu, action: 'menu' },
    ];
  }

  private renderPerson(ctx: Ctx, p: PersonView, withFooter = true): string {
    const { m } = ctx;
    const lines = [m.foundHeader(p.maskedName, p.idLast)];
    for (const f of p.files) lines.push('', ...renderFile(m, f));
    if (withFooter) {
      if (p.commune) lines.push('', m.contact(p.commune));
      if (!ctx.identity.notify) lines.push(m.notifyHint);
    }
    return lines.join('\n');
  }

  private async showMine(ctx: Ctx): Promise<Reply[]> {
    const { m } = ctx;
    const bindings = await this.d.prisma.binding.findMany({ where: { identityId: ctx.identity.id }, orderBy: { id: 'asc' } });
    if (bindings.length === 0) return [{ text: m.mineEmpty, buttons: [{ label: m.buttons.lookup, action: 'lookup' }] }];
    const views = await Promise.all(bindings.map((b) => personView(this.d, b.personId)));
    await audit(this.d.sql, { action: 'view_bound', result: 'ok', channel: ctx.identity.channel, identityId: ctx.identity.id, detail: { persons: views.length }, at: this.d.clock.now() });
    return [{ text: [m.mineHeader(views.length), ...views.map((v) => '\n' + this.renderPerson(ctx, v, false))].join('\n'), buttons: this.afterLookupButtons(ctx) }];
  }

  // ---- eligibility self-check ----

  private async startEligibility(ctx: Ctx, code: string): Promise<Reply[]> {
    const def = this.d.programs.find((p) => p.code === code);
    if (!def) return [{ text: ctx.m.fallback, buttons: this.menu(ctx.m) }];
    const state = { step: 'elig' as const, program: def.code, answers: {} };
    return this.eligibilityStep(ctx, def, state);
  }

  private async onEligibilityText(ctx: Ctx, state: Extract<DialogState, { step: 'elig' }>, text: string): Promise<Reply[]> {
    const def = this.d.programs.find((p) => p.code === state.program)!;
    const step = nextStep(def, state.answers);
    if (step.kind !== 'ask') return this.eligibilityStep(ctx, def, state);
    const a = parseAnswer(step.question, fold(text));
    if (a === undefined) {
      const reply = this.question(ctx, step.question);
      return [{ text: step.question.type === 'number' ? ctx.m.eligBadNumber : reply.text, buttons: reply.buttons }];
    }
    return this.onEligibilityAnswer(ctx, state, a);
  }

  private async onEligibilityAnswer(ctx: Ctx, state: Extract<DialogState, { step: 'elig' }>, answer: string | boolean | number): Promise<Reply[]> {
    const def = this.d.programs.find((p) => p.code === state.program)!;
    const step = nextStep(def, state.answers);
    if (step.kind !== 'ask') return this.eligibilityStep(ctx, def, state);
    return this.eligibilityStep(ctx, def, { ...state, answers: { ...state.answers, [step.questionId]: answer } });
  }

  private question(ctx: Ctx, q: ProgramDefinition['questions'][string]): Reply {
    const en = ctx.identity.locale === 'en';
    const text = en ? q.en : q.vi;
    if (q.type === 'boolean') return { text, buttons: [{ label: ctx.m.eligYes, action: 'ans:y' }, { label: ctx.m.eligNo, action: 'ans:n' }] };
    if (q.type === 'choice') return { text, buttons: q.options!.map((o) => ({ label: en ? o.en : o.vi, action: `ans:${o.value}` })) };
    return { text: `${text} ${ctx.m.eligAskNumber(q.unit)}` };
  }

  private async eligibilityStep(ctx: Ctx, def: ProgramDefinition, state: Extract<DialogState, { step: 'elig' }>): Promise<Reply[]> {
    const step = nextStep(def, state.answers);
    if (step.kind === 'ask') {
      await this.d.dialogs.set(ctx.identity.id, state);
      return [this.question(ctx, step.question)];
    }
    await this.d.dialogs.clear(ctx.identity.id);
    await audit(this.d.sql, { action: 'eligibility', result: step.qualifies.length ? 'qualifies' : 'none', channel: ctx.identity.channel, identityId: ctx.identity.id, detail: { program: def.code, groups: step.qualifies.map((g) => g.code) }, at: this.d.clock.now() });
    return [{ text: renderEligibility(ctx.m, ctx.identity.locale, def, step, localDateAt(this.d.clock.now())), buttons: [{ label: ctx.m.buttons.again, action: `elig:${def.code}` }, { label: ctx.m.buttons.menu, action: 'menu' }] }];
  }

  // ---- handoff ----

  private async onHandoffText(ctx: Ctx, requestId: number, text: string): Promise<Reply[]> {
    if (!(await addToTicket(this.d.sql, requestId, text))) {
      await this.d.dialogs.clear(ctx.identity.id);
      return [{ text: ctx.m.fallback, buttons: this.menu(ctx.m) }];
    }
    await this.d.dialogs.set(ctx.identity.id, { step: 'handoff', requestId });
    return [{ text: ctx.m.handoff }];
  }
}

/** Buttons whose action just names an intent (the argument picks a variant). */
const ACTION_INTENTS: Record<string, (arg?: string) => Intent> = {
  lookup: () => 'lookup',
  mine: () => 'mine',
  faq: () => 'faq_menu',
  human: () => 'human',
  forget: () => 'forget',
  notify: (arg) => (arg === 'off' ? 'notify_off' : 'notify_on'),
  lang: (arg) => (arg === 'en' ? 'lang_en' : 'lang_vi'),
};

function programLabel(p: ProgramDefinition, locale: string): string {
  const year = p.code.split('-').at(-1);
  const name = p.code.split('-')[0]!.replace(/^NQ/, locale === 'en' ? 'Resolution ' : 'Nghị quyết ');
  return `${name} (${year})`;
}

function renderFile(m: Messages, f: FileView): string[] {
  const lines = [`• ${f.groupName} (${f.program})`];
  const sups = f.amountDetail?.supplements ?? [];
  const amount = sups.length && f.amountDetail?.base !== undefined
    ? `${formatVnd((f.amountDetail.base ?? 0) * (f.amountDetail.periods ?? 1))} ${sups.map((s) => m.amount.plus(formatVnd(s.value), `(${(f.supplementNames[s.code] ?? s.code).toLowerCase()}${s.count > 1 ? ` × ${s.count}` : ''})`)).join(' ')} = ${formatVnd(f.amount)}`
    : formatVnd(f.amount);
  lines.push(m.status.amount(amount));
  switch (f.status) {
    case 'paid':
      lines.push(m.status.paid(formatVi(f.paidAt ?? f.stageEnteredAt), f.paymentPlace, f.paymentMethod));
      break;
    case 'rejected':
      lines.push(m.status.rejected(f.rejectionReason), m.status.rejectedNext);
      break;
    case 'approved':
      lines.push(m.status.approved(f.decisionNo));
      if (f.dueAt) lines.push(m.status.due(formatVi(f.dueAt)));
      break;
    default:
      lines.push(m.status.stage(f.stageName ?? f.stage, formatVi(f.stageEnteredAt)));
      if (f.dueAt) lines.push(m.status.due(formatVi(f.dueAt)));
      if (f.overdueWorkingDays > 0) lines.push(m.status.overdue(f.overdueWorkingDays));
  }
  return lines;
}

function renderEligibility(m: Messages, locale: string, def: ProgramDefinition, step: Extract<ReturnType<typeof nextStep>, { kind: 'result' }>, today: string): string {
  const en = locale === 'en';
  if (step.qualifies.length === 0) {
    const reasons = [...new Set(step.failed.map((f) => (en ? f.reason.en : f.reason.vi)))].slice(0, 3);
    return [m.eligResultNo, ...reasons.map((r) => `• ${r}`), '', m.eligNote].join('\n');
  }
  const lines = [m.eligResultYes(step.qualifies.length)];
  for (const g of step.qualifies) {
    const a = g.amount;
    const unit = m.amount[a.unit];
    let money = `${formatVnd(a.value!)}/${unit}`;
    if (a.periods) money += `, ${m.amount.upTo(a.periods, a.periodUnit ?? 'month')}`;
    if (a.paidAtOnce) money += `, ${m.amount.once}`;
    if (a.unverified) money += ` ${m.eligUnverified}`;
    lines.push('', `• ${en ? g.en : g.vi}${g.province ? ` [${g.province}]` : ''}: ${money}`);
    for (const s of g.supplements) lines.push(`  ${m.amount.plus(formatVnd(s.value), (en ? s.en : s.vi).toLowerCase())}`);
    if (g.documents.length) lines.push(`  ${m.eligDocuments}: ${g.documents.map((d) => `${en ? d.en : d.vi}${d.form ? ` (${d.form})` : ''}`).join('; ')}.`);
    lines.push(`  ${m.eligSubmit}: ${en ? g.submitTo.en : g.submitTo.vi}.`);
    const deadline = g.deadline ?? def.intake.closes;
    if (deadline) lines.push(`  ${m.eligDeadline(formatVi(deadline), deadline < today)}${g.deadlineUnverified ? ` ${m.eligUnverified}` : ''}`);
  }
  lines.push('', m.eligNote);
  return lines.join('\n');
}
