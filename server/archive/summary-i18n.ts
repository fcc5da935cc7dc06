/** The human-readable summary inside an evidence package, in the requester's language. */
export type SummaryLocale = 'zh-CN' | 'en' | 'ru';

const strings: Record<SummaryLocale, Record<string, string>> = {
  en: {
    title: 'Watchpost evidence package',
    declaration: 'Declaration',
    enterprise: 'Enterprise',
    officer: 'Officer',
    type: 'Inspection type',
    started: 'Started',
    ended: 'Ended',
    verdict: 'Verdict',
    findings: 'Findings',
    followUp: 'Follow-up',
    files: 'Files',
    sealed: 'Sealed',
    key: 'Signing key',
    howToVerify: 'To verify this package offline: npm run verify -- <this file>.zip, and compare the signing key with the one the customs platform publishes.',
    none: 'none',
  },
  'zh-CN': {
    title: 'Watchpost 证据包',
    declaration: '报关单号',
    enterprise: '企业',
    officer: '关员',
    type: '查验类型',
    started: '开始时间',
    ended: '结束时间',
    verdict: '查验结论',
    findings: '查验发现',
    followUp: '后续处置',
    files: '文件',
    sealed: '封存时间',
    key: '签名密钥',
    howToVerify: '离线核验本证据包：npm run verify -- <本文件>.zip，并将签名密钥与海关平台公布的密钥比对。',
    none: '无',
  },
  ru: {
    title: 'Пакет доказательств Watchpost',
    declaration: 'Декларация',
    enterprise: 'Предприятие',
    officer: 'Инспектор',
    type: 'Вид досмотра',
    started: 'Начало',
    ended: 'Окончание',
    verdict: 'Решение',
    findings: 'Выявлено',
    followUp: 'Дальнейшие действия',
    files: 'Файлы',
    sealed: 'Опечатано',
    key: 'Ключ подписи',
    howToVerify: 'Проверка пакета без сети: npm run verify -- <этот файл>.zip; сравните ключ подписи с ключом, опубликованным таможенной платформой.',
    none: 'нет',
  },
};

const outcomes: Record<SummaryLocale, Record<string, string>> = {
  en: { pass: 'pass', rectify: 'rectify', fail: 'fail' },
  'zh-CN': { pass: '通过', rectify: '整改', fail: '不合格' },
  ru: { pass: 'соответствует', rectify: 'требует исправления', fail: 'не соответствует' },
};

const types: Record<SummaryLocale, Record<string, string>> = {
  en: { label_rectification: 'label rectification', destination_inspection: 'destination inspection', routine_supervision: 'routine supervision', pre_export_sampling: 'pre-export sampling' },
  'zh-CN': { label_rectification: '标签整改', destination_inspection: '目的地检查', routine_supervision: '日常监管', pre_export_sampling: '出口前抽样' },
  ru: {
    label_rectification: 'исправление маркировки',
    destination_inspection: 'досмотр в месте назначения',
    routine_supervision: 'плановый надзор',
    pre_export_sampling: 'отбор проб перед экспортом',
  },
};

export interface SummaryFacts {
  declarationNumber: string;
  enterpriseName: string;
  officerName: string | null;
  type: string;
  startedAt: string;
  endedAt: string | null;
  verdict: { outcome: string; findings: string; followUp: string } | null;
  sealedAt: string;
  keyId: string;
  files: Array<{ path: string; sha256: string; sizeBytes: number }>;
}

export function renderSummary(locale: SummaryLocale, f: SummaryFacts): string {
  const t = strings[locale];
  const lines = [
    t.title!,
    '',
    `${t.declaration}: ${f.declarationNumber}`,
    `${t.enterprise}: ${f.enterpriseName}`,
    `${t.officer}: ${f.officerName ?? t.none}`,
    `${t.type}: ${types[locale][f.type] ?? f.type}`,
    `${t.started}: ${f.startedAt}`,
    `${t.ended}: ${f.endedAt ?? t.none}`,
    `${t.verdict}: ${f.verdict ? (outcomes[locale][f.verdict.outcome] ?? f.verdict.outcome) : t.none}`,
    `${t.findings}: ${f.verdict?.findings || t.none}`,
    `${t.followUp}: ${f.verdict?.followUp || t.none}`,
    `${t.sealed}: ${f.sealedAt}`,
    `${t.key}: ${f.keyId}`,
    '',
    `${t.files}:`,
    ...f.files.map((file) => `  ${file.path}  ${file.sizeBytes} B  sha256 ${file.sha256}`),
    '',
    t.howToVerify!,
    '',
  ];
  return lines.join('\n');
}
