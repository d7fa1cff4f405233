//! The Chinese of every message the server sends to a person, by its
//! English pattern (`{}` stands for a part filled in at run time).

/// (English pattern, Chinese pattern), with the same `{}` in the same order.
pub(super) const ZH: &[(&str, &str)] = &[
    // server/src/error.rs
    ("please sign in", "请登录"),
    ("wrong username or password", "用户名或密码错误"),
    ("your account has been closed; your manager has your customers now", "您的账号已停用，您的客户已由经理接管"),
    ("the request is too large", "请求内容过大"),
    ("too many failed sign-ins; try again in {} seconds", "登录失败次数过多，请{}秒后再试"),
    ("too many requests; try again in {} seconds", "请求过于频繁，请{}秒后再试"),
    ("the server is busy; try again in a few seconds", "服务器繁忙，请稍等几秒再试"),
    ("choose a new password before going on", "请先设置新密码再继续"),
    ("something went wrong on the server; please try again", "服务器出错了，请重试"),
    ("no such customer", "找不到该客户"),

    // server/src/routes: sign-in, password, devices and invites
    ("this account has been deactivated; ask your manager", "该账号已停用，请联系您的经理"),
    ("the current password is not right", "当前密码不正确"),
    ("choose a password different from the current one", "新密码不能与当前密码相同"),
    ("there is no such session of yours", "找不到您的这个登录设备"),
    ("this invite link is not valid; ask for a new one", "该邀请链接无效，请重新索取"),
    ("this invite link has expired or was used; ask for a new one", "该邀请链接已过期或已被使用，请重新索取"),

    // server/src/routes: people and teams
    ("{} is not a valid user id", "{}不是有效的用户编号"),
    ("{} is not a valid team id", "{}不是有效的团队编号"),
    ("only an admin can {}", "只有管理员可以{}"),
    ("create teams", "创建团队"),
    ("rename teams", "重命名团队"),
    ("there is no such user", "找不到该用户"),
    ("there is no such team", "找不到该团队"),
    ("only a manager or an admin can list accounts", "只有经理或管理员可以查看账号列表"),
    ("a manager needs a team to manage", "经理需要指定所管理的团队"),
    (
        "{} owns {} customers and leads; hand them over before moving them to finance",
        "{}名下有{}个客户和线索，请先交接给他人，再将其调到财务",
    ),
    (
        "{} owns {} customers and leads; close the account with a handover (Team → departure) so nothing is lost",
        "{}名下有{}个客户和线索，请通过交接来停用该账号（团队 → 离职交接），以免客户和线索无人负责",
    ),
    ("the team console is for managers and admins", "团队管理台仅供经理和管理员使用"),

    // server/src/routes: audit log, rules and policies
    ("only an admin can read the audit log", "只有管理员可以查看审计日志"),
    ("only an admin can change the pool rules", "只有管理员可以修改公海规则"),
    ("only an admin can change the field-work rules", "只有管理员可以修改外勤规则"),
    ("only an admin can change the duplicate policy", "只有管理员可以修改重复客户规则"),

    // server/src/routes: customers, records, merges and duplicates
    ("{} is not a valid customer id", "{}不是有效的客户编号"),
    ("{} is not a valid record id", "{}不是有效的记录编号"),
    ("{} is not a valid merge id", "{}不是有效的合并编号"),
    ("no such kind of record: {}", "没有这种记录类型：{}"),
    ("no {} with id {}", "找不到该{}（编号{}）"),
    ("there is no such merge", "找不到该合并记录"),
    ("keep each field under {} characters", "每个字段请勿超过{}个字符"),

    // server/src/routes: sync
    (
        "a push may carry at most {} mutations; send the rest in another push",
        "每次同步最多提交{}项修改，其余的请分批提交",
    ),
    ("mutation seq is out of range", "修改序号超出范围"),
    ("since must not be negative", "since 参数不能为负数"),

    // server/src/routes: photos
    ("{} is not a valid photo id", "{}不是有效的照片编号"),
    ("no upload of this photo has started", "这张照片尚未开始上传"),
    ("no visit of yours names this photo; sync the visit first", "您的拜访记录中没有这张照片，请先同步该拜访"),
    (
        "a photo may be at most {} MB; the app shrinks photos before sending them",
        "照片最大为{} MB；应用会在发送前自动压缩照片",
    ),
    ("the server has {} bytes of this photo; resume from there", "服务器已收到这张照片的{}字节，请从该处继续上传"),
    ("another upload of this photo got there first; resume", "这张照片的另一个上传请求已先写入，请继续上传"),
    ("no such photo", "找不到该照片"),

    // server/src/routes: import, the API and its files
    (
        "finance reads the customers; importing them is for reps, managers and admins",
        "财务只能查看客户；导入客户请由销售、经理或管理员操作",
    ),
    ("the file took too long to read; split it into smaller files", "文件读取时间过长，请拆分成较小的文件"),
    ("no such API endpoint", "没有这个接口"),
    ("no such file", "找不到该文件"),

    // server/src/extract.rs, and the texts of axum and serde it passes on
    (
        "send the body as JSON with Content-Type: application/json",
        "请以 JSON 格式发送请求内容，并设置 Content-Type: application/json",
    ),
    ("Failed to deserialize the JSON body into the target type: {}", "请求内容的数据不正确：{}"),
    ("Failed to parse the request body as JSON: {}", "请求内容不是有效的 JSON：{}"),
    ("Failed to deserialize query string: {}", "请求参数不正确：{}"),
    ("Failed to buffer the request body: {}", "读取请求内容失败：{}"),
    ("{}: {} at line {} column {}", "{}：{}（第{}行第{}列）"),
    ("{} at line {} column {}", "{}（第{}行第{}列）"),
    ("missing field `{}`", "缺少字段 `{}`"),
    ("duplicate field `{}`", "字段 `{}` 重复"),
    ("unknown variant `{}`, expected {}", "未知的取值 `{}`，应为{}"),
    ("invalid type: {}, expected {}", "类型不正确：{}，应为{}"),
    ("invalid value: {}, expected {}", "取值不正确：{}，应为{}"),
    ("invalid length {}, expected {}", "长度不正确：{}，应为{}"),
    ("one of {}", "以下之一：{}"),
    ("input contains invalid characters", "日期或时间含有无效字符"),
    ("premature end of input", "日期或时间不完整"),
    ("trailing input", "日期或时间后面有多余的内容"),
    ("input is out of range", "日期或时间超出有效范围"),
    ("no possible date and time matching input", "不存在这样的日期或时间"),
    ("input is not enough for unique date and time", "日期或时间信息不完整"),

    // server/src/import.rs
    ("the file has no rows under its header", "文件的表头下没有数据行"),
    ("the file has more than {} rows; import at most {} at a time", "文件超过{}行，每次最多导入{}行"),
    (
        "the sheet uses more than {} columns; keep the customers in the first {}",
        "表格使用了超过{}列，请把客户数据放在前{}列",
    ),
    ("this is not a readable XLSX file ({})", "这不是可读取的 XLSX 文件（{}）"),
    ("the file holds {} parts; a workbook has far fewer", "文件包含{}个部件，正常的工作簿远没有这么多"),
    (
        "the file unpacks to more than {} MB; split it or save it again from Excel",
        "文件解压后超过{} MB，请拆分文件或用 Excel 重新保存",
    ),
    ("the workbook has no sheets", "工作簿中没有工作表"),
    ("the first sheet cannot be read ({})", "无法读取第一个工作表（{}）"),
    (
        "the file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) or XLSX",
        "文件既不是 UTF-8 也不是 GBK 编码的文本，请另存为 CSV（UTF-8）或 XLSX",
    ),
    ("the CSV cannot be read: {}", "无法读取 CSV 文件：{}"),

    // server/src/store
    ("username {} is taken", "用户名{}已被占用"),
    ("the username {} is taken", "用户名{}已被他人使用"),
    (
        "this device's sync id belongs to someone else; sign out and in again on this device",
        "此设备的同步标识属于其他人，请在此设备上退出后重新登录",
    ),
    ("this customer was merged into {} ({}); {}", "该客户已合并到{}（{}）；{}"),
    ("nothing was deleted", "未删除任何内容"),
    ("change that one instead", "请改为修改该客户"),
    (
        "this {} was deleted meanwhile; your edit is kept in the conflict list",
        "该{}已在此期间被删除；您的修改已保存在冲突列表中",
    ),
    ("the new owner must be an active rep, manager or admin", "新负责人必须是在职的销售、经理或管理员"),
    ("a customer cannot be merged into itself", "客户不能合并到自身"),
    (
        "this merge involves a customer outside your team; ask an admin to undo it",
        "此次合并涉及您团队以外的客户，请联系管理员撤销",
    ),
    (
        "this customer belongs outside your team; ask an admin to bring it back",
        "该客户不属于您的团队，请联系管理员恢复",
    ),
    ("this customer is not archived", "该客户未被归档"),
    (
        "this customer was merged into {}; undo the merge to bring it back",
        "该客户已合并到{}；如需恢复，请撤销合并",
    ),
    ("only customers can be claimed or released", "只有客户可以领取或退回公海"),
    ("this customer no longer exists", "该客户已不存在"),
    ("this customer is already in the pool", "该客户已在公海中"),
    ("you no longer own this customer", "您已不再负责该客户"),
    ("not a pool operation", "这不是公海操作"),
    ("{} left the company", "{}已离职"),

    // shared/src/validate.rs, and the fields it names
    ("{} must not be empty", "{}不能为空"),
    ("{} is too long (at most {} characters)", "{}太长了（最多{}个字符）"),
    (
        "{} is not a valid phone number: use digits, spaces, dashes and an optional leading +",
        "{}格式不正确：请只使用数字、空格和短横线，开头可加 +",
    ),
    ("{} is not a valid email address", "{}格式不正确：请填写有效的邮箱地址"),
    ("name", "名称"),
    ("text", "文本"),
    ("phone", "电话"),
    ("email", "邮箱"),

    // shared/src/access.rs
    (
        "finance reads customers but does not change them; ask their owner or manager",
        "财务只能查看客户，不能修改；请联系客户的负责人或经理",
    ),
    ("only a manager or an admin can reassign customers", "只有经理或管理员可以转移客户"),
    ("this customer is not in your team", "该客户不在您的团队中"),
    ("the new owner is not in your team", "新负责人不在您的团队中"),
    ("only someone above its owner can move this customer", "只有级别高于该客户负责人的人才能转移该客户"),
    ("{}: this customer is not in your team", "{}：该客户不在您的团队中"),
    ("{}: the new owner is not in your team", "{}：新负责人不在您的团队中"),
    ("{}: only someone above its owner can move this customer", "{}：只有级别高于该客户负责人的人才能转移该客户"),
    ("only a manager or an admin can hand over a rep's customers", "只有经理或管理员可以交接销售的客户"),
    ("you cannot close your own account", "您不能停用自己的账号"),
    (
        "{} is not below you; only someone above them can close their account",
        "{}的级别不低于您，只有比其级别更高的人才能停用其账号",
    ),
    ("{}'s account is already closed", "{}的账号已经停用"),
    ("spread a book over at most {} reps", "客户最多只能分给{}名销售"),
    ("one of the chosen receivers does not exist", "所选的接收人中有人不存在"),
    ("{} cannot receive customers", "{}不能接收客户"),
    ("{} works in finance and cannot own customers", "{}属于财务，不能负责客户"),
    (
        "your account was closed; only visits and notes recorded before that are kept",
        "您的账号已停用；只保留停用前记录的拜访和跟进",
    ),

    // shared/src/pool.rs
    ("the owned-customer cap must be at least 1", "每人客户数上限至少为1"),
    ("the time zone offset must be between -14:00 and +14:00", "时区偏移必须在 -14:00 到 +14:00 之间"),
    ("warning and re-claim periods must be under a year and ten years", "提醒天数须少于一年，重新领取间隔须少于十年"),
    ("return periods must be at most {} days (ten years)", "自动退回期限最多为{}天（十年）"),
    (
        "the caps must be at most 1,000,000 customers and 100,000 claims a day",
        "上限最多为1,000,000个客户和每天100,000次领取",
    ),
    ("you already own this customer", "您已是该客户的负责人"),
    ("another rep claimed this customer first", "该客户已被其他销售抢先领取"),
    (
        "you already own {} customers, the most allowed; release one to claim another",
        "您已有{}个客户，达到上限；请先退回一个客户再领取",
    ),
    (
        "you have made {} claims today, the daily limit; try again tomorrow",
        "您今天已领取{}次，达到每日上限；请明天再试",
    ),
    ("you gave up this customer on {}; you can claim it again from {}", "该客户于{}离开了您的名下，{}起才可再次领取"),
    ("say why you are releasing this customer", "请填写退回公海的原因"),
    ("keep the reason under {} characters", "原因请勿超过{}个字符"),
    ("no follow-up for {} days", "{}天未跟进"),
    ("no won deal for {} days", "{}天未成交"),
    ("choose at least one rep to receive the customers", "请至少选择一名销售接收客户"),

    // shared/src/dedup.rs
    (
        "merging customers is for managers; ask yours to merge these two",
        "合并客户需由经理操作，请联系您的经理合并这两个客户",
    ),
    ("this merge was already undone", "此次合并已撤销"),
    ("a merge can be undone for {} days; this one is older", "合并后{}天内可以撤销，此次合并已超过期限"),
    (
        "{} is already a customer, owned by {}; ask them or your manager instead of adding it again",
        "{}已是客户，负责人是{}；请联系对方或您的经理，不要重复添加",
    ),
    (
        "{} is already a customer, in the pool; claim it instead of adding it again",
        "{}已是客户，目前在公海中；请直接领取，不要重复添加",
    ),

    // shared/src/people.rs
    ("a password needs at least {} characters", "密码至少需要{}个字符"),
    ("a password may have at most {} characters", "密码最多{}个字符"),
    ("a password must not be the username", "密码不能与用户名相同"),
    (
        "a username has 2 to 32 lowercase letters, digits, dots, dashes or underscores",
        "用户名须为2到32个小写字母、数字、点、短横线或下划线",
    ),
    ("use your own settings to change your own account", "请在个人设置中修改自己的账号"),
    ("managers look after the reps of their own team", "经理只能管理本团队的销售"),
    ("only a manager or an admin can manage accounts", "只有经理或管理员可以管理账号"),
    ("managers add reps to their own team", "经理只能为本团队添加销售"),
    ("only a manager or an admin can add people", "只有经理或管理员可以添加人员"),
    ("only an admin can change someone's role", "只有管理员可以修改他人的角色"),
    ("unknown device", "未知设备"),

    // shared/src/visit.rs, today.rs and activity.rs
    ("latitude {} is not between -90 and 90", "纬度{}不在 -90 到 90 之间"),
    ("longitude {} is not between -180 and 180", "经度{}不在 -180 到 180 之间"),
    ("the check-in radius must be between 50 m and 50 km", "签到范围必须在50米到50公里之间"),
    ("the accuracy limit must be between 10 m and 5 km", "定位精度上限必须在10米到5公里之间"),
    ("a check-in's accuracy must be a distance in metres", "签到的定位精度必须是以米为单位的距离"),
    ("a check-in's distance must be a distance in metres", "签到的距离必须是以米为单位的距离"),
    ("a visit cannot end before it started", "拜访的结束时间不能早于开始时间"),
    ("a visit cannot last more than a day; check in again", "一次拜访不能超过一天，请重新签到"),
    ("days without contact must be between 1 and 365", "未联系天数必须在1到365之间"),
    ("only a visit can carry a check-in", "只有拜访记录可以包含签到"),

    // shared/src/pipeline.rs
    ("the funnel needs between 1 and 10 open stages", "销售漏斗需要1到10个进行中的阶段"),
    ("every stage needs a name of at most 40 characters", "每个阶段都需要名称，最多40个字符"),
    (
        "stage key {} must be lowercase letters, digits or _ and not won or lost",
        "阶段代码{}只能包含小写字母、数字或 _，且不能是 won 或 lost",
    ),
    ("stage key {} is used twice", "阶段代码{}重复使用"),
    ("{}: a probability is at most 100%", "{}：赢单概率最高为100%"),
    ("{} is not an amount: write it like 12500 or 12500.50", "{}不是有效金额，请写成 12500 或 12500.50 这样的格式"),
    ("probability {} must be a whole number from 0 to 100", "赢单概率{}必须是0到100之间的整数"),

    // shared/src/photo.rs
    ("photos are uploaded as {}, not {}", "照片须以{}格式上传，而不是{}"),
    ("an upload needs at least one byte", "上传内容至少需要一个字节"),
    ("this photo was started as {} bytes, not {}", "这张照片开始上传时为{}字节，而不是{}"),
    ("the chunk runs past the photo's size", "该分段超出了照片的大小"),
    ("this is not a JPEG photo", "这不是 JPEG 照片"),
    ("the photo is cut off (no JPEG end marker)", "照片不完整（缺少 JPEG 结束标记）"),

    // shared/src/import.rs and entity.rs
    (
        "the first row must name the columns, with one called 名称 (or 客户名称, name)",
        "第一行必须是列名，其中一列名为“名称”（或“客户名称”、name）",
    ),
    ("record is not an object", "记录不是对象格式"),

    // shared/src/sync/decide.rs
    ("only customers can be claimed or released, through the pool", "只有客户可以通过公海领取或退回"),
    ("a {} record is kept by the server and cannot be changed", "{}由服务器保存，不能修改"),
    ("a {} is made by the server; it can only be dismissed", "{}由服务器生成，只能忽略"),
    (
        "an {} is a record of what happened and cannot be changed; add a new one instead",
        "{}记载的是已发生的事，不能修改；请新增一条",
    ),
    ("a {} with this id already exists", "已存在相同编号的{}"),
    ("its customer has been deleted", "所属客户已被删除"),
    ("its customer does not exist or is not yours", "所属客户不存在或不归您负责"),
    ("a lead needs an owner: yourself or someone in your team", "线索需要负责人：您自己或您团队中的成员"),
    ("you may only create customers for yourself or your team", "您只能为自己或您的团队创建客户"),
    ("this {} does not exist", "该{}不存在"),
    ("you no longer have access to this {}", "您已无权访问该{}"),
    ("claims and releases go through the pool rules", "领取和退回公海须遵循公海规则"),
    (
        "a customer belongs to the company and cannot be deleted; release it to the pool, or ask your manager to archive it",
        "客户属于公司，不能删除；请将其退回公海，或请经理将其归档",
    ),
    ("{} cannot be changed by editing", "{}不能通过编辑修改"),
    ("only a manager can lock or unlock a customer", "只有经理可以锁定或解锁客户"),

    // kinds of record, as messages name them
    ("customer", "客户"),
    ("contact", "联系人"),
    ("activity", "联系记录"),
    ("conflict", "冲突记录"),
    ("ownership", "归属记录"),
    ("pool_entry", "公海条目"),
    ("duplicate", "重复客户提示"),
    ("merge", "合并记录"),
    ("opportunity", "商机"),
    ("lead", "线索"),

    // fields that cannot be changed by editing
    ("id", "编号"),
    ("owner_id", "负责人"),
    ("owner_since", "负责起始时间"),
    ("last_activity_at", "最近联系时间"),
    ("customer_id", "所属客户"),
    ("at", "时间"),
    ("by", "记录人"),
];
