/**
 * What each notification says outside the platform (email, SMS, IM), in the recipient's language: a title
 * and a line, ICU messages filled from the notification's payload (times shown in the recipient's zone), and
 * the page it links to. Every kind in the contract has its texts in zh-CN, en and ru (checked by a test).
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type { NotificationKind } from '../contracts/notifications.ts';

export type Locale = 'zh-CN' | 'en' | 'ru';
type Texts = Record<Locale, [title: string, body: string]>;

const OUTCOME = {
  en: '{outcome, select, pass {passed} rectify {to be rectified} other {failed}}',
  'zh-CN': '{outcome, select, pass {通过} rectify {需整改} other {不合格}}',
  ru: '{outcome, select, pass {пройдена} rectify {требует устранения} other {не пройдена}}',
};

/**
 * An alarm's rule in words (the payload carries its code; a notification stored before that carried the
 * code with spaces, shown as it is).
 */
const RULE = {
  en: '{rule, select, count_mismatch {Count differs from the declaration} plate_not_registered {Vehicle not registered} plate_not_booked {Not the booked vehicle} seal_mismatch {Seal number not declared} camera_offline {Camera offline} camera_frozen {Camera picture frozen} animals_in_isolation {Animals in an isolation pen} vehicle_without_loading_record {Vehicle in the loading bay without a loading record} other {{rule}}}',
  'zh-CN':
    '{rule, select, count_mismatch {计数与申报不符} plate_not_registered {车辆未备案} plate_not_booked {非预约车辆} seal_mismatch {封志号未申报} camera_offline {摄像头离线} camera_frozen {摄像头画面静止} animals_in_isolation {隔离栏内有动物} vehicle_without_loading_record {装载区有车辆但无装载记录} other {{rule}}}',
  ru: '{rule, select, count_mismatch {Количество не совпадает с декларацией} plate_not_registered {Автомобиль не зарегистрирован} plate_not_booked {Не тот автомобиль, что в записи} seal_mismatch {Номер пломбы не заявлен} camera_offline {Камера не в сети} camera_frozen {Изображение камеры застыло} animals_in_isolation {Животные в изоляторе} vehicle_without_loading_record {Машина в зоне погрузки без записи о погрузке} other {{rule}}}',
};
/** Where an alarm is seen: the inspection's console, or the farm alarms' review. */
const SEE_ALARM = {
  en: '{inSession, select, true {Open the inspection console to see it.} other {Open Review to see it.}}',
  'zh-CN': '{inSession, select, true {请打开查验控制台查看。} other {请打开“告警复核”查看。}}',
  ru: '{inSession, select, true {Откройте пульт досмотра.} other {Откройте разбор тревог.}}',
};

export const TEMPLATES: Record<NotificationKind, Texts> = {
  'booking.requested': {
    en: ['Inspection requested: {declarationNumber}', '{enterpriseName} asks for a remote inspection of {declarationNumber} at {slotStart}.'],
    'zh-CN': ['查验预约申请：{declarationNumber}', '{enterpriseName} 申请于 {slotStart} 对报关单 {declarationNumber} 进行远程查验。'],
    ru: ['Заявка на досмотр: {declarationNumber}', '{enterpriseName} просит удалённый досмотр по {declarationNumber} на {slotStart}.'],
  },
  'booking.confirmed': {
    en: ['Inspection confirmed: {declarationNumber}', 'The remote inspection of {declarationNumber} is confirmed for {slotStart}.'],
    'zh-CN': ['查验已确认：{declarationNumber}', '报关单 {declarationNumber} 的远程查验已确认，时间 {slotStart}。'],
    ru: ['Досмотр подтверждён: {declarationNumber}', 'Удалённый досмотр по {declarationNumber} подтверждён на {slotStart}.'],
  },
  'booking.proposed': {
    en: ['Another time proposed: {declarationNumber}', 'Customs proposes {slotStart} for the inspection of {declarationNumber}. Accept it or cancel in Watchpost.'],
    'zh-CN': ['海关建议改期：{declarationNumber}', '海关建议报关单 {declarationNumber} 的查验改在 {slotStart}，请在平台上接受或取消。'],
    ru: ['Предложено другое время: {declarationNumber}', 'Таможня предлагает {slotStart} для досмотра по {declarationNumber}. Примите или отмените в Watchpost.'],
  },
  'booking.cancelled': {
    en: ['Inspection cancelled: {declarationNumber}', 'The inspection of {declarationNumber} at {slotStart} is cancelled.'],
    'zh-CN': ['查验已取消：{declarationNumber}', '报关单 {declarationNumber} 于 {slotStart} 的查验已取消。'],
    ru: ['Досмотр отменён: {declarationNumber}', 'Досмотр по {declarationNumber} на {slotStart} отменён.'],
  },
  'booking.reminder': {
    en: ['Inspection soon, at {slotStart}', 'A remote inspection starts at {slotStart}. Open Watchpost on time to join it.'],
    'zh-CN': ['查验即将开始：{slotStart}', '远程查验将于 {slotStart} 开始，请准时登录平台。'],
    ru: ['Скоро досмотр, в {slotStart}', 'Удалённый досмотр начнётся в {slotStart}. Откройте Watchpost вовремя.'],
  },
  'session.starting': {
    en: ['Inspection open now: {declarationNumber}', 'Customs opened the remote inspection of {declarationNumber}. Join it from your phone now.'],
    'zh-CN': ['查验已开始：{declarationNumber}', '海关已开始报关单 {declarationNumber} 的远程查验，请立即用手机加入。'],
    ru: ['Досмотр начат: {declarationNumber}', 'Таможня начала удалённый досмотр по {declarationNumber}. Подключитесь с телефона.'],
  },
  'command.waiting': {
    en: ['Customs asks: {text}', 'The officer of your inspection asks: {text}. Do it and confirm in Watchpost.'],
    'zh-CN': ['海关指令：{text}', '查验关员要求：{text}。请照做并在平台上确认。'],
    ru: ['Таможня просит: {text}', 'Инспектор вашего досмотра просит: {text}. Выполните и подтвердите в Watchpost.'],
  },
  'verdict.recorded': {
    en: ['Inspection result: {declarationNumber}', `The inspection of {declarationNumber} is ${OUTCOME.en}. {findings}`],
    'zh-CN': ['查验结论：{declarationNumber}', `报关单 {declarationNumber} 查验结论：${OUTCOME['zh-CN']}。{findings}`],
    ru: ['Результат досмотра: {declarationNumber}', `Досмотр по {declarationNumber}: ${OUTCOME.ru}. {findings}`],
  },
  'evidence.ready': {
    en: ['Evidence package ready: {declarationNumber}', 'The evidence package of the inspection of {declarationNumber} is ready to download.'],
    'zh-CN': ['证据包已生成：{declarationNumber}', '报关单 {declarationNumber} 查验的证据包已可下载。'],
    ru: ['Пакет доказательств готов: {declarationNumber}', 'Пакет доказательств досмотра по {declarationNumber} можно скачать.'],
  },
  'alarm.raised': {
    en: [`Alarm: ${RULE.en} at {place}`, `${RULE.en} at {place} ({at}). ${SEE_ALARM.en}`],
    'zh-CN': [`告警：{place} ${RULE['zh-CN']}`, `{place} 于 {at}：${RULE['zh-CN']}。${SEE_ALARM['zh-CN']}`],
    ru: [`Тревога: ${RULE.ru}, {place}`, `${RULE.ru}: {place} ({at}). ${SEE_ALARM.ru}`],
  },
  'form.overdue': {
    en: ['Farm forms overdue: {siteName}', '{siteName}: {n, plural, one {# daily form} other {# daily forms}} for {day} not submitted.'],
    'zh-CN': ['养殖场记录逾期：{siteName}', '{siteName}：{day} 有 {n} 张日常记录未提交。'],
    ru: ['Просрочены формы: {siteName}', '{siteName}: за {day} не отправлено {n, plural, one {# ежедневная форма} few {# ежедневные формы} many {# ежедневных форм} other {# ежедневной формы}}.'],
  },
  'form.escalated': {
    en: ['Farm behind with its forms: {siteName}', '{siteName} ({enterpriseName}) has not submitted {n, plural, one {# daily form} other {# daily forms}} for {day}.'],
    'zh-CN': ['养殖场记录长期未交：{siteName}', '{siteName}（{enterpriseName}）{day} 的 {n} 张日常记录仍未提交。'],
    ru: ['Хозяйство не сдаёт формы: {siteName}', '{siteName} ({enterpriseName}) не отправило формы за {day}: {n}.'],
  },
  'form.note': {
    en: ['Customs on your form of {day}', '{by} {returned, select, true {returned a form of {day} for correction} other {commented on a form of {day}}} at {siteName}.'],
    'zh-CN': ['海关对 {day} 记录的意见', '{by} {returned, select, true {退回了 {siteName} {day} 的记录，请更正} other {对 {siteName} {day} 的记录提出了意见}}。'],
    ru: ['Таможня о вашей форме за {day}', '{by} {returned, select, true {вернул(а) форму за {day} на исправление} other {прокомментировал(а) форму за {day}}} ({siteName}).'],
  },
  'ticket.raised': {
    en: ['New question: {title}', 'An enterprise asks: {title}'],
    'zh-CN': ['新问题：{title}', '企业提出问题：{title}'],
    ru: ['Новый вопрос: {title}', 'Предприятие спрашивает: {title}'],
  },
  'ticket.message': {
    en: ['Reply on "{title}"', '{by} replied on "{title}".'],
    'zh-CN': ['“{title}”有新回复', '{by} 回复了“{title}”。'],
    ru: ['Ответ по «{title}»', '{by} ответил(а) по «{title}».'],
  },
  'ticket.answered': {
    en: ['Customs answered "{title}"', '{by} answered your question "{title}".'],
    'zh-CN': ['海关已答复“{title}”', '{by} 答复了您的问题“{title}”。'],
    ru: ['Таможня ответила: «{title}»', '{by} ответил(а) на ваш вопрос «{title}».'],
  },
  'notice.published': {
    en: ['Customs notice: {title}', 'Customs published a notice: {title}. Read and acknowledge it in Watchpost.'],
    'zh-CN': ['海关公告：{title}', '海关发布了公告：{title}，请在平台上阅读并确认。'],
    ru: ['Уведомление таможни: {title}', 'Таможня опубликовала уведомление: {title}. Прочтите и подтвердите в Watchpost.'],
  },
  'rectification.opened': {
    en: ['To rectify by {dueOn}: {declarationNumber}', 'The inspection of {declarationNumber} found what must be put right by {dueOn}.'],
    'zh-CN': ['整改通知：{declarationNumber}', '报关单 {declarationNumber} 查验发现问题，请于 {dueOn} 前完成整改。'],
    ru: ['Устранить до {dueOn}: {declarationNumber}', 'Досмотр по {declarationNumber} выявил нарушения: устранить до {dueOn}.'],
  },
  'rectification.reported': {
    en: ['Rectification reported: {declarationNumber}', 'The enterprise reports the rectification of {declarationNumber} done. Accept it or return it.'],
    'zh-CN': ['企业已报告整改：{declarationNumber}', '企业报告报关单 {declarationNumber} 已整改完成，请审核。'],
    ru: ['Сообщено об устранении: {declarationNumber}', 'Предприятие сообщает об устранении по {declarationNumber}. Примите или верните.'],
  },
  'rectification.returned': {
    en: ['Rectification returned: {declarationNumber}', 'Customs returned the rectification of {declarationNumber}: something is still to be done.'],
    'zh-CN': ['整改被退回：{declarationNumber}', '海关退回了报关单 {declarationNumber} 的整改，仍有需整改的内容。'],
    ru: ['Устранение возвращено: {declarationNumber}', 'Таможня вернула устранение по {declarationNumber}: ещё не всё сделано.'],
  },
  'rectification.accepted': {
    en: ['Rectification accepted: {declarationNumber}', 'Customs accepted the rectification of {declarationNumber}.'],
    'zh-CN': ['整改已验收：{declarationNumber}', '海关已验收报关单 {declarationNumber} 的整改。'],
    ru: ['Устранение принято: {declarationNumber}', 'Таможня приняла устранение по {declarationNumber}.'],
  },
  'rectification.due': {
    en: ['Rectification due {dueOn}: {declarationNumber}', 'The rectification of {declarationNumber} is due by {dueOn}. Report it done in Watchpost.'],
    'zh-CN': ['整改即将到期：{declarationNumber}', '报关单 {declarationNumber} 的整改期限为 {dueOn}，完成后请在平台上报告。'],
    ru: ['Срок устранения {dueOn}: {declarationNumber}', 'Устранение по {declarationNumber} — до {dueOn}. Сообщите о выполнении в Watchpost.'],
  },
  'rectification.overdue': {
    en: ['Rectification overdue: {declarationNumber}', 'The rectification of {declarationNumber} was due by {dueOn} and is not reported done.'],
    'zh-CN': ['整改已逾期：{declarationNumber}', '报关单 {declarationNumber} 的整改期限 {dueOn} 已过，尚未报告完成。'],
    ru: ['Устранение просрочено: {declarationNumber}', 'Срок устранения по {declarationNumber} ({dueOn}) прошёл, о выполнении не сообщено.'],
  },
  'declaration.ending': {
    en: ['Declaration ends {validUntil}: {declarationNumber}', 'Declaration {declarationNumber} is valid until {validUntil} and has not been inspected yet.'],
    'zh-CN': ['报关单即将到期：{declarationNumber}', '报关单 {declarationNumber} 有效期至 {validUntil}，尚未查验。'],
    ru: ['Декларация истекает {validUntil}: {declarationNumber}', 'Декларация {declarationNumber} действует до {validUntil} и ещё не досмотрена.'],
  },
  'annual_report.due': {
    en: ['Annual report for {year} due {dueOn}', 'File your annual report for {year} in Watchpost by {dueOn}.'],
    'zh-CN': ['{year} 年度报告截止 {dueOn}', '请于 {dueOn} 前在平台上报送 {year} 年度报告。'],
    ru: ['Годовой отчёт за {year} — до {dueOn}', 'Подайте годовой отчёт за {year} год в Watchpost до {dueOn}.'],
  },
  'annual_report.overdue': {
    en: ['Annual report for {year} overdue', 'The annual report for {year} was due by {dueOn} and has not been filed.'],
    'zh-CN': ['{year} 年度报告已逾期', '{year} 年度报告截止日期 {dueOn} 已过，尚未报送。'],
    ru: ['Годовой отчёт за {year} просрочен', 'Годовой отчёт за {year} год нужно было подать до {dueOn}.'],
  },
  'storage.pressure': {
    en: ['Disk {usedPercent}% full', 'The data disk is {usedPercent}% full (limit {maxUsedPercent}%); the oldest camera footage was deleted.'],
    'zh-CN': ['磁盘已用 {usedPercent}%', '数据磁盘已用 {usedPercent}%（上限 {maxUsedPercent}%），已删除最早的摄像头录像。'],
    ru: ['Диск заполнен на {usedPercent}%', 'Диск данных заполнен на {usedPercent}% (предел {maxUsedPercent}%); удалены самые старые записи камер.'],
  },
  'webhook.paused': {
    en: ['Webhook paused: {url}', 'Deliveries to {url} failed {failures} times in a row; the endpoint is paused until resumed.'],
    'zh-CN': ['Webhook 已暂停：{url}', '向 {url} 的推送已连续失败 {failures} 次，已暂停，恢复前不再推送。'],
    ru: ['Вебхук приостановлен: {url}', 'Доставка на {url} не удалась {failures} раз подряд; адрес приостановлен до возобновления.'],
  },
};

const compiled = new Map<string, IntlMessageFormat>();

function format(locale: Locale, template: string, values: Record<string, string | number | boolean>): string {
  const key = `${locale}\u0000${template}`;
  let message = compiled.get(key);
  if (!message) {
    message = new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
    compiled.set(key, message);
  }
  return String(message.format(values));
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The payload as the messages use it: instants in the recipient's zone and language, lists as counts. */
function values(payload: Record<string, unknown>, locale: Locale, timeZone: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const instant = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'medium', timeStyle: 'short' });
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value === 'string') out[key] = ISO_INSTANT.test(value) ? instant.format(new Date(value)) : value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.length;
  }
  // Named in several kinds' messages: present even when a payload lacks them.
  for (const key of ['n', 'findings', 'title', 'place', 'rule', 'at', 'by', 'enterpriseName', 'declarationNumber', 'slotStart', 'text'] as const) out[key] ??= key === 'n' ? 0 : '';
  if (Array.isArray(payload.forms)) out.n = payload.forms.length;
  if (payload.titles && typeof payload.titles === 'object') {
    const titles = payload.titles as Partial<Record<Locale, string>>;
    out.title = titles[locale] ?? Object.values(titles)[0] ?? '';
  }
  out.returned = payload.returned === true ? 'true' : 'false';
  out.inSession = typeof payload.sessionId === 'string' ? 'true' : 'false';
  return out;
}

/** The page of the web app a notification opens. */
export function linkPath(kind: string, payload: Record<string, unknown>): string {
  if (kind.startsWith('ticket.') && typeof payload.ticketId === 'string') return `/desk/tickets/${payload.ticketId}`;
  if ((kind === 'verdict.recorded' || kind === 'evidence.ready') && typeof payload.sessionId === 'string') return `/archive/session/${payload.sessionId}`;
  if ((kind === 'session.starting' || kind === 'command.waiting') && typeof payload.sessionId === 'string') return `/enterprise/session/${payload.sessionId}`;
  if (kind === 'alarm.raised') return typeof payload.sessionId === 'string' ? `/officer/session/${payload.sessionId}` : '/review';
  if (kind.startsWith('form.')) return '/forms';
  if (kind.startsWith('notice.')) return '/desk';
  if (kind.startsWith('rectification.') || kind.startsWith('annual_report.') || kind.startsWith('declaration.')) return '/record';
  return '/';
}

export interface Rendered {
  title: string;
  body: string;
  link: string;
}

export function render(kind: string, payload: Record<string, unknown>, options: { locale: string; timeZone: string; baseUrl: string }): Rendered {
  const locale: Locale = options.locale === 'en' || options.locale === 'ru' ? options.locale : 'zh-CN';
  const texts = TEMPLATES[kind as NotificationKind]?.[locale];
  const link = `${options.baseUrl.replace(/\/$/, '')}${linkPath(kind, payload)}`;
  if (!texts) return { title: kind, body: JSON.stringify(payload), link };
  const filled = values(payload, locale, options.timeZone);
  return { title: format(locale, texts[0], filled), body: format(locale, texts[1], filled).trim(), link };
}
