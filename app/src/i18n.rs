//! Every UI string, in Chinese and English. The language defaults to the
//! browser's and can be switched; the choice is remembered.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

const STORAGE_KEY: &str = "yingpan.lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    fn from_code(code: &str) -> Lang {
        if code.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// The saved choice, else the browser's language.
    pub fn initial() -> Lang {
        let window = web_sys::window();
        let saved = window
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        let browser = window.and_then(|w| w.navigator().language());
        Lang::from_code(&saved.or(browser).unwrap_or_default())
    }
}

macro_rules! messages {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A UI string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$key, Lang::Zh) => $zh, (Msg::$key, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    AppName => "营盘", "Yingpan";
    Contracts => "合同", "Contracts";
    Receipts => "收款", "Receipts";
    Statement => "对账单", "Statement";
    Dunning => "催款", "Dunning";
    Aging => "账龄", "Aging";
    ToRemind => "待提醒付款", "Payments to remind";
    OverdueReceivables => "逾期应收", "Overdue receivables";
    MethodBank => "银行转账", "Bank transfer";
    MethodCash => "现金", "Cash";
    MethodCheque => "支票", "Cheque";
    MethodBill => "承兑汇票", "Acceptance bill";
    MethodWechat => "微信支付", "WeChat Pay";
    MethodAlipay => "支付宝", "Alipay";
    StatusDraft => "草稿", "Draft";
    StatusSent => "已发送", "Sent";
    StatusAccepted => "已接受", "Accepted";
    StatusRejected => "已拒绝", "Rejected";
    StatusExpired => "已过期", "Expired";
    StatusSuperseded => "已被新版本取代", "Superseded";
    StatusActive => "执行中", "Active";
    StatusCompleted => "已完成", "Completed";
    StatusCancelled => "已取消", "Cancelled";
    NotYetDue => "未到期", "Not yet due";
    PartlyReceived => "部分收款", "Partly received";
    PastDue => "逾期", "Overdue";
    FallsDueToday => "今日到期", "Due today";
    Settled => "已结清", "Settled";
    WrittenOff => "已作坏账", "Written off";
    Quote => "报价单", "Quote";
    Deliveries => "发货", "Deliveries";
    TemplateBroken => "打印模板有误，请管理员检查", "The print template is broken; ask an admin";
    Finance => "财务", "Finance";
    PrintTemplates => "打印模板", "Print templates";
    StatusSubmitted => "待审批", "Awaiting approval";
    ContractsNeedApproval => "合同须经经理或财务审批后生效", "Contracts need a manager's or finance's approval";
    CompanyName => "公司名称", "Company name";
    TaxId => "统一社会信用代码", "Tax id";
    BankAccount => "收款账户", "Bank account";

    SignIn => "登录", "Sign in";
    SigningIn => "正在登录…", "Signing in…";
    SignOut => "退出", "Sign out";
    Username => "用户名", "Username";
    Password => "密码", "Password";
    MyCustomers => "我的客户", "My customers";
    TeamCustomers => "团队的客户", "Your team's customers";
    ShowMore => "显示更多", "Show more";
    PreparingSearch => "正在准备搜索，尚余", "Preparing the search; records left:";
    SearchHint => "搜索名称、拼音、电话、联系人", "Search name, pinyin, phone, contact";
    NewCustomer => "新建客户", "New customer";
    NoCustomers => "还没有客户", "No customers yet";
    NoMatches => "没有匹配的客户", "No matching customers";
    Save => "保存", "Save";
    Cancel => "取消", "Cancel";
    Edit => "编辑", "Edit";
    Back => "返回", "Back";
    Kind => "类型", "Type";
    Company => "企业", "Company";
    Individual => "个人", "Individual";
    Name => "名称", "Name";
    Phone => "电话", "Phone";
    Email => "邮箱", "Email";
    Industry => "行业", "Industry";
    Region => "地区", "Region";
    Address => "地址", "Address";
    Notes => "备注", "Notes";
    Contacts => "联系人", "Contacts";
    NoContacts => "还没有联系人", "No contacts yet";
    AddContact => "添加联系人", "Add contact";
    ContactName => "姓名", "Name";
    JobTitle => "职务", "Title";
    ImId => "微信/IM", "WeChat/IM";
    Activities => "联系记录", "Activity";
    NoActivities => "还没有联系记录", "No activity yet";
    KindCall => "电话", "Call";
    KindEmail => "邮件", "Email";
    KindIm => "微信", "WeChat";
    KindVisit => "拜访", "Visit";
    KindNote => "备注", "Note";
    NextFollowUp => "下次跟进", "Next follow-up";
    SyncTitle => "同步与存储", "Sync and storage";
    SyncNow => "立即同步", "Sync now";
    LastError => "上次错误", "Last error";
    StorageUse => "本机存储", "Storage on this device";
    Persisted => "已设为持久保存（浏览器不会自动清除）", "Kept persistently (the browser will not clear it)";
    NotPersisted => "未设为持久保存：存储紧张时浏览器可能清除离线数据", "Not persistent: the browser may clear offline data when space runs low";
    Conflicts => "冲突", "Conflicts";
    TeamNameInvalid => "请填写团队名称（不超过 120 个字）", "Enter the team's name (at most 120 characters)";
    DuplicatesShort => "疑似重复", "Duplicates";
    NoConflicts => "没有冲突", "No conflicts";
    ConflictHelp => "两人同时修改了同一字段时，后同步的修改生效，被替换的值保存在这里。", "When two people change the same field, the later sync wins; the replaced value is kept here.";
    YourValue => "你的值（未生效）", "Your value (not applied)";
    TheirValue => "被替换的值", "Replaced value";
    NowValue => "当前值", "Current value";
    RecordDeleted => "记录已被删除", "The record was deleted";
    UseThisValue => "改用这个值", "Use this value";
    Loaded => "已加载", "Loaded";
    DataLost => "浏览器清除了本机的离线数据。已同步的数据正在重新加载；清除前尚未同步的修改无法恢复。", "The browser cleared this device's offline data. Everything synced is being loaded again; changes not yet synced before that could not be recovered.";
    Synced => "已同步", "Synced";
    Syncing => "同步中…", "Syncing…";
    Offline => "离线", "Offline";
    Unsynced => "未同步", "Unsynced";
    SyncFailed => "同步失败", "Sync failed";
    ServerBusy => "服务器繁忙，稍后自动同步", "Server busy, will sync shortly";
    SyncIssues => "以下修改未被服务器接受：", "The server did not accept these changes:";
    Dismiss => "知道了", "Dismiss";
    NotFound => "找不到这个客户（可能已被删除或不再属于你）", "Customer not found (deleted, or no longer yours)";
    Loading => "加载中…", "Loading…";
    Language => "English", "中文";
    LanguageShort => "EN", "中";
    UnsyncedOnSignOut => "还有未同步的修改，退出将丢失它们。仍要退出吗？", "Some changes are not synced yet and will be lost if you sign out. Sign out anyway?";
    NetworkDown => "无法连接服务器，请检查网络后重试", "Cannot reach the server; check the connection and try again";
    Pool => "公海", "Pool";
    MergedIn => "已合并客户", "Merged in";
    Undo => "撤销合并", "Undo merge";
    Undone => "已撤销", "undone";
    ChooseValues => "选择保留的值", "Choose which values to keep";
    ConfirmMerge => "确认合并", "Merge";
    Settings => "设置", "Settings";
    PoolRules => "公海规则", "Pool rules";
    MaxOwned => "每人最多拥有客户数", "Most customers a rep may own";
    MaxClaims => "每人每天最多领取", "Claims per rep per day";
    ReclaimDays => "退回后多少天内不能再领取", "Days before a rep may re-claim a customer they gave up";
    FollowUpDays => "多少天未跟进自动退回（0 为不退回）", "Days without follow-up before a customer returns (0: never)";
    DealDays => "多少天未成交自动退回（0 为不退回）", "Days without a won deal before a customer returns (0: never)";
    WarnDays => "提前几天提醒", "Days of warning before a customer returns";
    ExemptLocked => "锁定的客户不自动退回", "Locked customers never return automatically";
    ExemptContracts => "有未完成合同的客户不自动退回", "Customers with an open contract never return automatically";
    GradeOverride => "按等级覆盖（未跟进天数 / 未成交天数，留空为默认）", "Per grade (days without follow-up / without a won deal; empty: as above)";
    DuplicatePolicyTitle => "重复客户", "Duplicate customers";
    PolicyWarn => "提醒并标记（默认）", "Warn and flag (default)";
    PolicyBlock => "禁止创建完全相同的客户", "Refuse an exact duplicate";
    SavedOk => "已保存", "Saved";
    Import => "导入", "Import";
    ImportTitle => "导入客户", "Import customers";
    ImportHelp => "选择 CSV 或 XLSX 文件，第一行为列名（名称、电话、邮箱、行业、地区、地址、备注）。每一行都会先与全公司的客户比对。", "Choose a CSV or XLSX file whose first row names the columns (名称/name, 电话/phone, email, industry, region, address, notes). Every row is checked against the whole company's customers first.";
    Checking => "正在检查…", "Checking…";
    RowNew => "新客户", "New";
    RowSame => "已存在", "Already exists";
    RowPossible => "可能重复", "Possible duplicate";
    RowRepeated => "文件内重复", "Repeated in the file";
    RowInvalid => "无法导入", "Cannot import";
    ExactSkip => "已存在的跳过", "Skip customers that already exist";
    ExactMerge => "已存在的补全空白字段", "Fill empty fields of customers that already exist";
    ImportConfirm => "确认导入", "Import";
    Imported => "已导入", "Imported";
    Created => "新建", "created";
    Merged => "补全", "filled in";
    Skipped => "跳过", "skipped";
    Updated => "更新", "updated";
    DuplicateFlags => "疑似重复客户", "Possible duplicates";
    NoDuplicates => "没有疑似重复的客户", "No possible duplicates";
    MayDuplicate => "可能与以下客户重复：", "may be the same as";
    NotDuplicate => "不是重复", "Not a duplicate";
    MergeInto => "合并到该客户", "Merge into it";
    PossibleDuplicates => "可能已存在的客户", "This customer may already exist";
    SameCustomer => "同一客户", "Same customer";
    MaybeSame => "可能相同", "Possibly the same";
    InThePool => "在公海", "in the pool";
    Open => "打开", "Open";
    Reassign => "转给", "Reassign to";
    ReassignButton => "转移", "Reassign";
    Grade => "客户等级", "Grade";
    Lock => "锁定（不自动退回公海）", "Lock (never returned automatically)";
    Unlock => "解除锁定", "Unlock";
    Locked => "已锁定", "Locked";
    Team => "团队", "Team";
    PoolHint => "搜索公海客户", "Search the pool";
    PoolEmpty => "公海里没有客户", "The pool is empty";
    Claim => "领取", "Claim";
    ClaimPending => "已领取，待同步", "Claimed, waiting to sync";
    LastActivity => "最近跟进", "Last follow-up";
    InPoolSince => "进入公海", "In the pool since";
    Release => "退回公海", "Release to the pool";
    ReleaseReason => "退回原因", "Reason for releasing";
    ReturningSoon => "即将自动退回公海", "Returning to the pool soon";
    ReturnsOn => "退回", "returns";
    OwnClaim => "领取", "Claimed";
    OwnRelease => "退回公海", "Released to the pool";
    OwnAutoReturn => "自动退回公海", "Returned to the pool automatically";
    OwnReassign => "转移", "Reassigned";
    OwnDeparture => "离职交接", "Handed over (rep left)";
    ThePool => "公海", "the pool";
    By => "操作人", "by";
    AccountClosedNotice => "您的账号已停用。本机离线记录的拜访和跟进已提交，本机数据已清除。", "Your account has been closed. Visits and notes recorded on this device were handed in, and its data has been removed.";
    TeamConsole => "团队管理", "Team console";
    Member => "成员", "Member";
    CustomersCount => "客户数", "Customers";
    Activities7 => "7天跟进", "Activity 7d";
    Activities30 => "30天跟进", "Activity 30d";
    Claims30 => "30天领取", "Claims 30d";
    PoolSize => "公海客户数", "Customers in the pool";
    Inflow => "流入", "In";
    Outflow => "流出", "Out";
    WeekOf => "周起始", "Week from";
    Departure => "离职交接", "Rep departure";
    DepartingRep => "离职人员", "Departing rep";
    ChooseRep => "请选择", "Choose…";
    ToOne => "全部交给一人", "All to one rep";
    Spread => "平均分配给多人", "Spread evenly";
    ToPool => "全部退回公海", "Release all to the pool";
    Receivers => "接收人", "Receivers";
    Preview => "预览", "Preview";
    ConfirmDeparture => "确认：停用账号并交接", "Confirm: close the account and hand over";
    HandoverDone => "交接完成", "Handover done";
    WillReceive => "将接收", "receives";
    OwnsAfter => "交接后共有", "owns afterwards";
    RecordsMoved => "条记录随客户转移", "records move with them";
    CustomersUnit => "个客户", "customers";
    HistoryHint => "按客户名称搜索", "Search by customer name";
    History => "归属变更记录", "Ownership history";
    NeedsConnection => "此页面需要联网", "This page needs a connection";
    Today => "今日", "Today";
    Customers => "客户", "Customers";
    Pipeline => "商机", "Pipeline";
    Visits => "外勤", "Visits";
    Overdue => "已逾期的跟进", "Overdue follow-ups";
    DueToday => "今天要跟进", "Follow up today";
    DueTomorrow => "明天要跟进", "Follow up tomorrow";
    GoneQuiet => "久未联系的客户", "Customers gone quiet";
    DaysWithoutContact => "天未联系", "days without contact";
    DaysLate => "天逾期", "days late";
    DayLate => "天逾期", "day late";
    Birthdays => "本周生日", "Birthdays this week";
    AllClear => "今天没有待办，去拜访客户吧", "Nothing due today";
    CheckInHere => "签到拜访", "Check in here";
    Locating => "正在定位…", "Finding your position…";
    LocationDenied => "无法定位：请在浏览器设置中允许本网站使用位置信息，然后重试", "No location: allow this site to use your location in the browser settings, then try again";
    LocationTimedOut => "定位超时：请到空旷处或打开 GPS 后重试", "Finding your position took too long: move into the open or turn on GPS, then try again";
    LocationUnavailable => "无法获取位置：请确认手机已开启定位服务", "Your position is not available: check that location services are on";
    CheckedInElsewhere => "正在拜访：", "Visit in progress:";
    CheckedInAt => "签到时间", "Checked in";
    FromCustomer => "距客户", "from the customer";
    PoorAccuracy => "定位精度差", "Poor GPS accuracy";
    NoCustomerLocation => "客户尚无位置", "Customer has no location yet";
    SetLocation => "将此处设为客户位置", "Use this place as the customer's location";
    TakePhoto => "拍照", "Take photo";
    VisitPhoto => "拜访照片", "Visit photo";
    PhotoOnline => "照片联网后可查看", "Photo visible when online";
    VisitNote => "拜访记录", "Visit notes";
    CheckOut => "签退", "Check out";
    Visited => "上门拜访", "Visited";
    Duration => "时长", "Duration";
    LogActivity => "记录跟进", "Log activity";
    ActivityContent => "内容", "What happened";
    Contact => "联系人", "Contact";
    Birthday => "生日", "Birthday";
    Opportunities => "商机", "Opportunities";
    NewOpportunity => "新建商机", "New opportunity";
    OpportunityName => "商机名称", "Opportunity";
    Amount => "金额（元）", "Amount (CNY)";
    CloseDate => "预计成交日期", "Expected close date";
    Probability => "赢单概率（%）", "Probability (%)";
    NoOpportunities => "还没有商机：在客户页面新建", "No opportunities yet: add one on a customer's page";
    Leads => "线索", "Leads";
    NewLead => "新建线索", "New lead";
    LeadSource => "来源", "Source";
    Convert => "转为客户", "Convert";
    NoVisits => "这一天没有拜访记录", "No visits on this day";
    FieldWork => "外勤与商机", "Field work and pipeline";
    CheckInRadius => "签到距离上限（米），超出则标记", "Check-in radius in metres (farther is flagged)";
    AccuracyLimit => "定位精度上限（米）", "GPS accuracy limit in metres";
    QuietDays => "多少天未联系算久未联系", "Days without contact before a customer counts as quiet";
    Stages => "商机阶段（名称、赢单概率 %）；赢单和输单总在最后", "Pipeline stages (name, win probability %); won and lost always come last";
    AddStage => "添加阶段", "Add stage";
    WholeNumbers => "请填写整数", "Use whole numbers";
    NearbyCustomers => "附近的客户", "Customers near me";
    NoneNearby => "您的客户都还没有位置", "None of your customers has a location yet";
    NotForYourRole => "您的角色无法使用此页面", "This page is not for your role";
    People => "人员", "People";
    Account => "我的账号", "My account";
    ChangePassword => "修改密码", "Change password";
    ChooseNewPassword => "请设置您自己的新密码后继续", "Choose a new password of your own to go on";
    CurrentPassword => "当前密码", "Current password";
    NewPassword => "新密码（至少 8 位）", "New password (8 characters or more)";
    PasswordChanged => "密码已修改，其他设备已退出", "Password changed; your other devices are signed out";
    Sessions => "登录的设备", "Signed-in devices";
    ThisDevice => "本机", "this device";
    LastSeen => "最近使用", "Last seen";
    EndSession => "退出该设备", "Sign it out";
    EndOtherSessions => "退出其他所有设备", "Sign out all other devices";
    Teams => "团队", "Teams";
    NewTeam => "新团队名称", "New team's name";
    AddTeam => "添加团队", "Add team";
    Rename => "改名", "Rename";
    AddPerson => "添加人员", "Add a person";
    LoginName => "登录名（小写字母、数字）", "Username (lowercase letters, digits)";
    ShownName => "显示姓名", "Name shown";
    RoleLabel => "角色", "Role";
    RoleRep => "销售", "Rep";
    RoleManager => "经理", "Manager";
    RoleFinance => "财务", "Finance";
    RoleAdmin => "管理员", "Admin";
    NoTeam => "（无团队）", "(no team)";
    SendInvite => "发送邀请链接（7 天内有效），而不是初始密码", "Send an invite link (valid 7 days) instead of a first password";
    Create => "创建", "Create";
    OneTimePassword => "初始密码（仅显示一次，首次登录须修改）：", "First password (shown once; to be changed at first sign-in):";
    InviteLink => "邀请链接（仅显示一次）：", "Invite link (shown once):";
    ResetPassword => "重置密码", "Reset password";
    TemporaryPassword => "临时密码（下次登录须修改）：", "Temporary password (to be changed at next sign-in):";
    Deactivate => "停用", "Deactivate";
    Reactivate => "重新启用", "Reactivate";
    EndSessions => "退出其所有设备", "Sign out all their devices";
    Inactive => "已停用", "deactivated";
    AuditLog => "审计日志", "Audit log";
    AllActions => "全部操作", "All actions";
    ExportCsv => "导出 CSV", "Export CSV";
    When => "时间", "When";
    Who => "谁", "Who";
    Action => "操作", "Action";
    Target => "对象", "Target";
    Detail => "内容", "Detail";
    AcceptInvite => "接受邀请，设置密码", "Accept the invite: choose your password";
    Welcome => "欢迎使用营盘", "Welcome to Yingpan";
    ArchiveCustomer => "归档客户", "Archive customer";
    ArchiveConfirm => "归档后，该客户从所有人的列表中移除；经理或管理员可在团队管理中恢复。", "Archiving removes this customer from everyone's list; a manager or admin can bring it back from the team console.";
    ArchivedCustomers => "已归档的客户", "Archived customers";
    NoArchived => "没有已归档的客户", "No archived customers";
    Restore => "恢复", "Restore";
}

/// The current language, shared through context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

/// Words a page keeps with itself, so they load with it (see
/// `crate::pages::money::words`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Words {
    pub zh: &'static str,
    pub en: &'static str,
}

impl I18n {
    pub fn t(self, msg: Msg) -> &'static str {
        msg.text(self.lang.get())
    }

    /// A page's own words in the language chosen.
    pub fn tr(self, words: Words) -> &'static str {
        match self.lang.get() {
            Lang::Zh => words.zh,
            Lang::En => words.en,
        }
    }

    /// A page's own words as a view that follows the language.
    pub fn say(self, words: Words) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.tr(words)
    }

    /// A message as a view that follows the language. Every label is this
    /// one type, so the code that renders it exists once in the app, not
    /// once per label (a `move || i18n.t(..)` closure at each of hundreds
    /// of places was a type, and code, of its own).
    pub fn label(self, msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.t(msg)
    }

    pub fn toggle(self) {
        let next = match self.lang.get_untracked() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        self.lang.set(next);
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(STORAGE_KEY, next.code());
        }
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn browser_language_picks_chinese_for_any_zh_variant() {
        assert_eq!(Lang::from_code("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_code("zh-TW"), Lang::Zh);
        assert_eq!(Lang::from_code("en-US"), Lang::En);
        assert_eq!(Lang::from_code(""), Lang::En);
    }
}
