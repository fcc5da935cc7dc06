/**
 * The registered farm's supervision handbook, as form definitions (version 1 of each): the records a farm
 * supplying Hong Kong and Macau keeps, daily or when something happens. They are data: stored in
 * `form_definitions` at start (never changed once stored: a change is a new version, added by an
 * administrator), rendered by the web app and checked by the server from the same definition.
 */
import type { FormDefinitionInput, Localised } from '../contracts/forms.ts';

const L = (zh: string, en: string, ru: string): Localised => ({ 'zh-CN': zh, en, ru });
const opt = (value: string, zh: string, en: string, ru: string) => ({ value, label: L(zh, en, ru) });

const HEAD = L('头', 'head', 'гол.');
const KG = L('千克', 'kg', 'кг');
const ML = L('毫升', 'ml', 'мл');
const DAYS = L('天', 'days', 'дн.');

const species = [opt('pig', '猪', 'Pigs', 'Свиньи'), opt('cattle', '牛', 'Cattle', 'КРС'), opt('sheep', '羊', 'Sheep and goats', 'Овцы и козы'), opt('poultry', '禽', 'Poultry', 'Птица')];
const sampleTypes = [
  opt('blood', '血液', 'Blood', 'Кровь'),
  opt('swab', '拭子', 'Swab', 'Мазок'),
  opt('faeces', '粪便', 'Faeces', 'Фекалии'),
  opt('tissue', '组织', 'Tissue', 'Ткань'),
  opt('feed', '饲料', 'Feed', 'Корм'),
  opt('water', '饮水', 'Water', 'Вода'),
];
const count = (key: string, label: Localised, required = true) => ({ key, type: 'number' as const, label, required, integer: true, min: 0, max: 100_000, unit: HEAD });
const text = (key: string, label: Localised, required = false, maxLength = 200) => ({ key, type: 'text' as const, label, required, maxLength });
const person = (key: string, label: Localised) => text(key, label, true, 60);
const plate = (key: string, required = false) => text(key, L('车牌号', 'Vehicle plate', 'Госномер'), required, 20);

export const HANDBOOK_FORMS: FormDefinitionInput[] = [
  {
    key: 'animal_intake',
    version: 1,
    cadence: 'as_needed',
    title: L('动物引入及来源记录', 'Animal intake and origin', 'Поступление животных и происхождение'),
    description: L('每批引入的动物各填一行。', 'One row for each batch of animals brought in.', 'Одна строка на каждую партию поступивших животных.'),
    fields: [
      {
        key: 'batches',
        type: 'rows',
        label: L('引入批次', 'Batches brought in', 'Партии'),
        required: true,
        maxRows: 20,
        fields: [
          { key: 'species', type: 'choice', label: L('种类', 'Species', 'Вид'), required: true, options: species },
          { ...count('animals', L('数量', 'Animals', 'Количество')), min: 1 },
          text('originFarm', L('来源场', 'Farm of origin', 'Хозяйство происхождения'), true),
          text('certificate', L('检疫证明编号', 'Quarantine certificate number', 'Номер ветеринарного сертификата'), true, 40),
          plate('vehiclePlate'),
          { key: 'arrivedAt', type: 'time', label: L('到场时间', 'Arrived at', 'Время прибытия') },
          { key: 'isolated', type: 'yesno', label: L('已隔离观察', 'Put in isolation', 'Помещены на карантин'), required: true },
          text('isolationPen', L('隔离栏舍', 'Isolation pen', 'Карантинный загон'), false, 40),
        ],
        rules: [
          { kind: 'requiredWhen', field: 'isolationPen', when: 'isolated', equals: true, message: L('隔离时请填写隔离栏舍。', 'Say which pen they are isolated in.', 'Укажите карантинный загон.') },
        ],
      },
    ],
  },
  {
    key: 'husbandry_daily',
    version: 1,
    cadence: 'daily',
    title: L('日常饲养管理记录', 'Daily husbandry', 'Ежедневное содержание'),
    fields: [
      count('herdAtStart', L('日初存栏', 'Herd at the start of the day', 'Поголовье на начало дня')),
      count('herdAtEnd', L('日末存栏', 'Herd at the end of the day', 'Поголовье на конец дня')),
      { key: 'feedGiven', type: 'number', label: L('饲喂量', 'Feed given', 'Выдано корма'), required: true, min: 0, max: 1_000_000, unit: KG },
      { key: 'waterOk', type: 'yesno', label: L('饮水正常', 'Water supply normal', 'Поение в норме'), required: true },
      { key: 'penTemperature', type: 'number', label: L('舍内温度', 'Pen temperature', 'Температура в помещении'), min: -30, max: 50, unit: L('°C', '°C', '°C') },
      { key: 'abnormal', type: 'yesno', label: L('有异常情况', 'Anything abnormal', 'Есть отклонения'), required: true },
      { ...text('abnormalNote', L('异常情况说明', 'What was abnormal', 'Описание отклонений'), false, 1000), multiline: true },
      person('keeper', L('饲养员', 'Keeper', 'Ответственный')),
    ],
    rules: [{ kind: 'requiredWhen', field: 'abnormalNote', when: 'abnormal', equals: true, message: L('请说明异常情况。', 'Say what was abnormal.', 'Опишите отклонения.') }],
  },
  {
    key: 'feed_use',
    version: 1,
    cadence: 'daily',
    title: L('饲料及添加剂使用记录', 'Feed and additive use', 'Использование кормов и добавок'),
    fields: [
      {
        key: 'items',
        type: 'rows',
        label: L('使用的饲料及添加剂', 'Feed and additives used', 'Использованные корма и добавки'),
        required: true,
        fields: [
          text('product', L('品名', 'Product', 'Наименование'), true),
          {
            key: 'kind',
            type: 'choice',
            label: L('类别', 'Kind', 'Вид'),
            required: true,
            options: [
              opt('complete_feed', '配合饲料', 'Complete feed', 'Полнорационный корм'),
              opt('premix', '预混料', 'Premix', 'Премикс'),
              opt('additive', '饲料添加剂', 'Feed additive', 'Кормовая добавка'),
              opt('roughage', '粗饲料', 'Roughage', 'Грубый корм'),
            ],
          },
          text('supplier', L('供应商', 'Supplier', 'Поставщик')),
          text('batch', L('批号', 'Batch number', 'Номер партии'), false, 40),
          { key: 'amount', type: 'number', label: L('用量', 'Amount', 'Количество'), required: true, min: 0, max: 1_000_000, unit: KG },
        ],
      },
    ],
  },
  {
    key: 'vet_drugs',
    version: 1,
    cadence: 'as_needed',
    title: L('兽药采购及使用记录', 'Veterinary drug purchase and use', 'Закупка и применение ветпрепаратов'),
    fields: [
      {
        key: 'uses',
        type: 'rows',
        label: L('用药', 'Drugs bought or used', 'Препараты'),
        required: true,
        fields: [
          text('drug', L('药品名称', 'Drug', 'Препарат'), true),
          text('approvalNumber', L('批准文号', 'Approval number', 'Номер регистрации'), true, 60),
          text('batch', L('批号', 'Batch number', 'Номер серии'), true, 40),
          {
            key: 'purpose',
            type: 'choice',
            label: L('用途', 'Purpose', 'Назначение'),
            required: true,
            options: [opt('purchase', '采购入库', 'Bought in', 'Закупка'), opt('treatment', '治疗', 'Treatment', 'Лечение'), opt('prevention', '预防', 'Prevention', 'Профилактика')],
          },
          { ...count('animals', L('用药头数', 'Animals treated', 'Обработано животных'), false) },
          { key: 'quantity', type: 'number', label: L('数量', 'Quantity', 'Количество'), required: true, min: 0, max: 100_000 },
          text('quantityUnit', L('单位', 'Unit', 'Единица'), true, 20),
          { key: 'withdrawalDays', type: 'number', label: L('休药期', 'Withdrawal period', 'Срок ожидания'), integer: true, min: 0, max: 365, unit: DAYS },
          person('vet', L('兽医', 'Veterinarian', 'Ветеринар')),
        ],
      },
    ],
  },
  {
    key: 'immunisation',
    version: 1,
    cadence: 'as_needed',
    title: L('免疫记录', 'Immunisation', 'Вакцинация'),
    fields: [
      {
        key: 'doses',
        type: 'rows',
        label: L('免疫', 'Vaccinations', 'Прививки'),
        required: true,
        fields: [
          text('disease', L('疫病', 'Against', 'Против болезни'), true, 80),
          text('vaccine', L('疫苗名称', 'Vaccine', 'Вакцина'), true),
          text('manufacturer', L('生产厂家', 'Manufacturer', 'Производитель')),
          text('batch', L('批号', 'Batch number', 'Номер серии'), true, 40),
          { ...count('animals', L('免疫头数', 'Animals vaccinated', 'Привито животных')), min: 1 },
          { key: 'dose', type: 'number', label: L('剂量', 'Dose', 'Доза'), min: 0, max: 1000, unit: ML },
          {
            key: 'method',
            type: 'choice',
            label: L('免疫方式', 'Method', 'Способ'),
            required: true,
            options: [
              opt('injection', '注射', 'Injection', 'Инъекция'),
              opt('nasal', '滴鼻', 'Nasal', 'Интраназально'),
              opt('oral', '口服', 'Oral', 'Перорально'),
              opt('spray', '喷雾', 'Spray', 'Аэрозоль'),
            ],
          },
          person('vaccinator', L('免疫人员', 'Vaccinator', 'Вакцинатор')),
        ],
      },
    ],
  },
  {
    key: 'disease_monitoring',
    version: 1,
    cadence: 'as_needed',
    title: L('疫病监测及采样记录', 'Disease monitoring and sampling', 'Мониторинг болезней и отбор проб'),
    fields: [
      {
        key: 'samples',
        type: 'rows',
        label: L('采样', 'Samples taken', 'Отобранные пробы'),
        required: true,
        fields: [
          { key: 'sampleType', type: 'choice', label: L('样品类型', 'Sample type', 'Тип пробы'), required: true, options: sampleTypes },
          { key: 'samples', type: 'number', label: L('样品数', 'Samples', 'Число проб'), required: true, integer: true, min: 1, max: 10_000 },
          text('disease', L('监测疫病', 'Tested for', 'Исследуется на'), true, 80),
          text('lab', L('送检实验室', 'Laboratory', 'Лаборатория')),
          { key: 'sentOn', type: 'date', label: L('送检日期', 'Sent on', 'Дата отправки') },
          person('sampler', L('采样人', 'Sampled by', 'Пробу отобрал')),
        ],
      },
    ],
  },
  {
    key: 'clinical_inspection',
    version: 1,
    cadence: 'daily',
    title: L('临床巡查记录', 'Clinical inspection', 'Клинический осмотр'),
    fields: [
      { key: 'pens', type: 'number', label: L('巡查栏舍数', 'Pens inspected', 'Осмотрено загонов'), required: true, integer: true, min: 0, max: 10_000 },
      count('animalsSeen', L('巡查头数', 'Animals inspected', 'Осмотрено животных')),
      count('animalsAbnormal', L('异常头数', 'Animals with signs', 'Животных с признаками')),
      {
        key: 'signs',
        type: 'choices',
        label: L('异常症状', 'Signs seen', 'Признаки'),
        options: [
          opt('fever', '发热', 'Fever', 'Лихорадка'),
          opt('cough', '咳嗽', 'Coughing', 'Кашель'),
          opt('diarrhoea', '腹泻', 'Diarrhoea', 'Диарея'),
          opt('lameness', '跛行', 'Lameness', 'Хромота'),
          opt('skin', '皮肤病变', 'Skin lesions', 'Поражения кожи'),
          opt('off_feed', '采食减少', 'Off feed', 'Снижение аппетита'),
          opt('sudden_death', '突然死亡', 'Sudden death', 'Внезапная гибель'),
        ],
      },
      { ...text('action', L('处置措施', 'Action taken', 'Принятые меры'), false, 1000), multiline: true },
      person('inspector', L('巡查人', 'Inspected by', 'Осмотр провёл')),
    ],
    rules: [
      {
        kind: 'atMost',
        field: 'animalsAbnormal',
        than: 'animalsSeen',
        message: L('异常头数不能多于巡查头数。', 'More animals with signs than animals inspected.', 'Животных с признаками больше, чем осмотрено.'),
      },
    ],
  },
  {
    key: 'disinfection',
    version: 1,
    cadence: 'daily',
    title: L('消毒记录（场区及车辆）', 'Disinfection (site and vehicles)', 'Дезинфекция (территория и транспорт)'),
    fields: [
      {
        key: 'rounds',
        type: 'rows',
        label: L('消毒', 'Disinfection done', 'Проведённая дезинфекция'),
        required: true,
        fields: [
          {
            key: 'target',
            type: 'choice',
            label: L('消毒对象', 'What', 'Объект'),
            required: true,
            options: [
              opt('pens', '栏舍', 'Pens', 'Загоны'),
              opt('grounds', '场区道路', 'Grounds and roads', 'Территория и дороги'),
              opt('entrance', '大门及消毒池', 'Entrance and dip', 'Въезд и дезбарьер'),
              opt('vehicle', '车辆', 'Vehicle', 'Транспорт'),
              opt('equipment', '器具', 'Equipment', 'Инвентарь'),
              opt('clothing', '工作服', 'Work clothing', 'Спецодежда'),
            ],
          },
          plate('vehiclePlate'),
          text('disinfectant', L('消毒药', 'Disinfectant', 'Дезсредство'), true, 80),
          text('concentration', L('浓度', 'Concentration', 'Концентрация'), false, 20),
          {
            key: 'method',
            type: 'choice',
            label: L('方式', 'Method', 'Способ'),
            required: true,
            options: [
              opt('spray', '喷洒', 'Spraying', 'Орошение'),
              opt('fumigation', '熏蒸', 'Fumigation', 'Фумигация'),
              opt('soak', '浸泡', 'Soaking', 'Замачивание'),
              opt('wipe', '擦拭', 'Wiping', 'Протирание'),
            ],
          },
          { key: 'at', type: 'time', label: L('时间', 'Time', 'Время') },
          person('operator', L('操作人', 'Done by', 'Исполнитель')),
        ],
        rules: [
          {
            kind: 'requiredWhen',
            field: 'vehiclePlate',
            when: 'target',
            equals: 'vehicle',
            message: L('车辆消毒请填写车牌号。', 'Give the plate of the vehicle disinfected.', 'Укажите госномер транспорта.'),
          },
        ],
      },
    ],
  },
  {
    key: 'deaths_disposal',
    version: 1,
    cadence: 'as_needed',
    title: L('病死动物及无害化处理记录', 'Deaths and harmless disposal', 'Падёж и утилизация'),
    fields: [
      {
        key: 'deaths',
        type: 'rows',
        label: L('死亡', 'Deaths', 'Падёж'),
        required: true,
        fields: [
          { ...count('animals', L('头数', 'Animals', 'Голов')), min: 1 },
          text('pen', L('栏舍', 'Pen', 'Загон'), false, 40),
          {
            key: 'cause',
            type: 'choice',
            label: L('死因', 'Cause', 'Причина'),
            required: true,
            options: [
              opt('disease', '疫病', 'Disease', 'Болезнь'),
              opt('injury', '外伤', 'Injury', 'Травма'),
              opt('crushing', '压死', 'Crushing', 'Задавлено'),
              opt('unknown', '不明', 'Unknown', 'Неизвестна'),
            ],
          },
          text('suspectedDisease', L('疑似疫病', 'Suspected disease', 'Подозреваемая болезнь'), false, 80),
          {
            key: 'disposal',
            type: 'choice',
            label: L('处理方式', 'Disposal', 'Способ утилизации'),
            required: true,
            options: [
              opt('incineration', '焚烧', 'Incineration', 'Сжигание'),
              opt('rendering', '化制', 'Rendering', 'Переработка'),
              opt('collection', '集中收集处理', 'Collected for central treatment', 'Сбор на централизованную утилизацию'),
              opt('burial', '深埋', 'Deep burial', 'Глубокое захоронение'),
            ],
          },
          { key: 'disposedOn', type: 'date', label: L('处理日期', 'Disposed of on', 'Дата утилизации'), required: true },
          person('handler', L('处理人', 'Handled by', 'Ответственный')),
        ],
        rules: [
          {
            kind: 'requiredWhen',
            field: 'suspectedDisease',
            when: 'cause',
            equals: 'disease',
            message: L('死于疫病时请填写疑似疫病。', 'Name the suspected disease.', 'Укажите подозреваемую болезнь.'),
          },
        ],
      },
      { key: 'vetConfirmed', type: 'yesno', label: L('兽医已确认', 'Confirmed by the veterinarian', 'Подтверждено ветеринаром'), required: true },
    ],
  },
  {
    key: 'isolation',
    version: 1,
    cadence: 'as_needed',
    title: L('隔离观察记录', 'Isolation and quarantine', 'Изоляция и карантин'),
    fields: [
      {
        key: 'cases',
        type: 'rows',
        label: L('隔离', 'Animals isolated', 'Изолированные животные'),
        required: true,
        fields: [
          { ...count('animals', L('头数', 'Animals', 'Голов')), min: 1 },
          {
            key: 'reason',
            type: 'choice',
            label: L('原因', 'Reason', 'Причина'),
            required: true,
            options: [opt('intake', '新引入', 'Newly brought in', 'Новое поступление'), opt('illness', '患病', 'Ill', 'Болезнь'), opt('pre_shipment', '出栏前', 'Before shipment', 'Перед отгрузкой')],
          },
          text('pen', L('隔离栏舍', 'Pen', 'Загон'), true, 40),
          { key: 'from', type: 'date', label: L('开始日期', 'From', 'С'), required: true },
          { key: 'to', type: 'date', label: L('结束日期', 'Until', 'По') },
          {
            key: 'outcome',
            type: 'choice',
            label: L('结果', 'Outcome', 'Итог'),
            required: true,
            options: [
              opt('ongoing', '观察中', 'Still isolated', 'Продолжается'),
              opt('released', '解除隔离', 'Released', 'Снята'),
              opt('treated', '治疗', 'Under treatment', 'Лечение'),
              opt('culled', '扑杀', 'Culled', 'Забой'),
            ],
          },
        ],
        rules: [{ kind: 'atMost', field: 'from', than: 'to', message: L('结束日期早于开始日期。', 'The end is before the start.', 'Дата окончания раньше начала.') }],
      },
    ],
  },
  {
    key: 'shipments',
    version: 1,
    cadence: 'as_needed',
    title: L('动物出栏及发运记录', 'Animals leaving and shipments', 'Выбытие и отгрузка животных'),
    fields: [
      { key: 'species', type: 'choice', label: L('种类', 'Species', 'Вид'), required: true, options: species },
      { ...count('animals', L('出栏头数', 'Animals shipped', 'Отгружено голов')), min: 1 },
      text('destination', L('目的地', 'Destination', 'Пункт назначения'), true),
      text('declaration', L('报关单号', 'Declaration number', 'Номер декларации'), false, 18),
      plate('vehiclePlate', true),
      text('seals', L('封识号', 'Seal numbers', 'Номера пломб'), false, 200),
      text('certificate', L('检疫证明编号', 'Quarantine certificate number', 'Номер ветеринарного сертификата'), false, 40),
      { key: 'departedAt', type: 'time', label: L('发车时间', 'Departed at', 'Время отправления') },
      { key: 'healthChecked', type: 'yesno', label: L('发运前临床检查合格', 'Clinical check before loading passed', 'Предотгрузочный осмотр пройден'), required: true },
    ],
  },
  {
    key: 'staff_visitors',
    version: 1,
    cadence: 'daily',
    title: L('人员及访客出入登记', 'Staff and visitor entry', 'Вход персонала и посетителей'),
    description: L('当天无人出入时提交空表。', 'Submit an empty list on a day nobody came or went.', 'Если никто не входил, отправьте пустой список.'),
    fields: [
      {
        key: 'people',
        type: 'rows',
        label: L('出入人员', 'People', 'Люди'),
        maxRows: 200,
        fields: [
          person('name', L('姓名', 'Name', 'Имя')),
          {
            key: 'kind',
            type: 'choice',
            label: L('类别', 'Who', 'Кто'),
            required: true,
            options: [
              opt('staff', '本场员工', 'Staff', 'Персонал'),
              opt('visitor', '访客', 'Visitor', 'Посетитель'),
              opt('vet', '兽医', 'Veterinarian', 'Ветеринар'),
              opt('contractor', '外来施工', 'Contractor', 'Подрядчик'),
              opt('official', '检查人员', 'Official', 'Проверяющий'),
            ],
          },
          text('organisation', L('单位', 'Organisation', 'Организация')),
          { key: 'in', type: 'time', label: L('进场时间', 'In', 'Вход'), required: true },
          { key: 'out', type: 'time', label: L('离场时间', 'Out', 'Выход') },
          { key: 'showered', type: 'yesno', label: L('已洗澡更衣', 'Showered and changed', 'Душ и переодевание'), required: true },
          text('purpose', L('事由', 'Purpose', 'Цель')),
        ],
        rules: [{ kind: 'atMost', field: 'in', than: 'out', message: L('离场时间早于进场时间。', 'Out before in.', 'Выход раньше входа.') }],
      },
    ],
  },
  {
    key: 'vehicle_entry',
    version: 1,
    cadence: 'daily',
    title: L('车辆出入登记', 'Vehicle entry', 'Въезд транспорта'),
    description: L('当天无车辆出入时提交空表。', 'Submit an empty list on a day no vehicle came.', 'Если транспорт не въезжал, отправьте пустой список.'),
    fields: [
      {
        key: 'vehicles',
        type: 'rows',
        label: L('出入车辆', 'Vehicles', 'Транспорт'),
        maxRows: 200,
        fields: [
          plate('plate', true),
          {
            key: 'purpose',
            type: 'choice',
            label: L('用途', 'Purpose', 'Цель'),
            required: true,
            options: [
              opt('feed', '运输饲料', 'Feed delivery', 'Доставка корма'),
              opt('animals', '运输动物', 'Animal transport', 'Перевозка животных'),
              opt('disposal', '病死动物收集', 'Carcass collection', 'Вывоз падежа'),
              opt('other', '其他', 'Other', 'Другое'),
            ],
          },
          text('driver', L('司机', 'Driver', 'Водитель'), false, 60),
          { key: 'in', type: 'time', label: L('进场时间', 'In', 'Въезд'), required: true },
          { key: 'out', type: 'time', label: L('离场时间', 'Out', 'Выезд') },
          { key: 'disinfected', type: 'yesno', label: L('已消毒', 'Disinfected', 'Продезинфицирован'), required: true },
        ],
        rules: [{ kind: 'atMost', field: 'in', than: 'out', message: L('离场时间早于进场时间。', 'Out before in.', 'Выезд раньше въезда.') }],
      },
    ],
  },
  {
    key: 'lab_results',
    version: 1,
    cadence: 'as_needed',
    title: L('实验室检测结果记录', 'Laboratory results', 'Результаты лабораторных исследований'),
    fields: [
      {
        key: 'results',
        type: 'rows',
        label: L('检测结果', 'Results', 'Результаты'),
        required: true,
        fields: [
          text('lab', L('实验室', 'Laboratory', 'Лаборатория'), true),
          text('report', L('报告编号', 'Report number', 'Номер протокола'), true, 40),
          { key: 'sampleType', type: 'choice', label: L('样品类型', 'Sample type', 'Тип пробы'), required: true, options: sampleTypes },
          text('test', L('检测项目', 'Test', 'Исследование'), true, 80),
          {
            key: 'result',
            type: 'choice',
            label: L('结果', 'Result', 'Результат'),
            required: true,
            options: [opt('negative', '阴性', 'Negative', 'Отрицательный'), opt('positive', '阳性', 'Positive', 'Положительный'), opt('inconclusive', '可疑', 'Inconclusive', 'Сомнительный')],
          },
          { key: 'reportedOn', type: 'date', label: L('报告日期', 'Reported on', 'Дата протокола'), required: true },
          { ...text('followUp', L('处置措施', 'Follow-up', 'Принятые меры'), false, 1000), multiline: true },
        ],
        rules: [
          {
            kind: 'requiredWhen',
            field: 'followUp',
            when: 'result',
            equals: 'positive',
            message: L('阳性结果请填写处置措施。', 'Say what was done about a positive result.', 'Укажите меры по положительному результату.'),
          },
        ],
      },
    ],
  },
];
