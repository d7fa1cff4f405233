//! The money pages' own words, in Chinese and English. They load with the
//! pages that use them, not with the app's start files (the messages in
//! `crate::i18n` are in those).

#![allow(non_upper_case_globals)]

use crate::i18n::Words;

pub const Money: Words = Words {
    zh: "往来款项",
    en: "Money",
};
pub const NewQuote: Words = Words {
    zh: "新建报价",
    en: "New quote",
};
pub const Owed: Words = Words {
    zh: "应收", en: "Owed"
};
pub const Received: Words = Words {
    zh: "已收",
    en: "Received",
};
pub const Advance: Words = Words {
    zh: "预收",
    en: "Advance",
};
pub const Quotes: Words = Words {
    zh: "报价",
    en: "Quotes",
};
pub const Receivables: Words = Words {
    zh: "应收款",
    en: "Receivables",
};
pub const ToBeConfirmed: Words = Words {
    zh: "待财务确认",
    en: "To be confirmed",
};
pub const MakeLetter: Words = Words {
    zh: "生成催款函",
    en: "Make the letter",
};
pub const NoLetterDue: Words = Words {
    zh: "目前无需催款",
    en: "No letter is due now",
};
pub const LetterResolved: Words = Words {
    zh: "已结清",
    en: "Resolved",
};
pub const LetterOpen: Words = Words {
    zh: "待付款",
    en: "Awaiting payment",
};
pub const PostponedUntil: Words = Words {
    zh: "暂缓至",
    en: "Postponed until",
};
pub const Postpone: Words = Words {
    zh: "暂缓",
    en: "Postpone",
};
pub const AsOf: Words = Words {
    zh: "截至",
    en: "As of",
};
pub const Days: Words = Words { zh: "天", en: "days" };
pub const PlannedDelivery: Words = Words {
    zh: "计划交付",
    en: "Planned delivery",
};
pub const SetExpected: Words = Words {
    zh: "设为预计回款日",
    en: "Set as expected payment",
};
pub const ExpectedOn: Words = Words {
    zh: "预计回款",
    en: "Expected",
};
pub const MoneyStats: Words = Words {
    zh: "收款统计",
    en: "Money statistics",
};
pub const Raised: Words = Words {
    zh: "应收",
    en: "Raised",
};
pub const SettledMonth: Words = Words {
    zh: "核销",
    en: "Settled",
};
pub const Refunded: Words = Words {
    zh: "退款",
    en: "Refunded",
};
pub const ByMethod: Words = Words {
    zh: "按收款方式",
    en: "By payment method",
};
pub const ByRep: Words = Words {
    zh: "按负责人",
    en: "By rep",
};
pub const Forecast: Words = Words {
    zh: "回款预测",
    en: "Forecast",
};
pub const Later: Words = Words {
    zh: "以后 / 待定",
    en: "Later or undated",
};
pub const Projected: Words = Words {
    zh: "其中预估",
    en: "projected",
};
pub const FromThisDevice: Words = Words {
    zh: "离线：按本机数据计算",
    en: "Offline: from this device's copy",
};
pub const Confirm: Words = Words {
    zh: "确认",
    en: "Confirm",
};
pub const AmountAboveZero: Words = Words {
    zh: "金额必须大于零",
    en: "The amount must be above zero",
};
pub const ReceiptRecorded: Words = Words {
    zh: "收款已记录",
    en: "Receipt recorded",
};
pub const RecordReceipt: Words = Words {
    zh: "记录收款",
    en: "Record a receipt",
};
pub const AmountYuan: Words = Words {
    zh: "金额（元）",
    en: "Amount (yuan)",
};
pub const Payer: Words = Words {
    zh: "付款人",
    en: "Payer",
};
pub const Method: Words = Words {
    zh: "方式",
    en: "Method",
};
pub const AddLine: Words = Words {
    zh: "添加一行",
    en: "Add a line",
};
pub const Total: Words = Words {
    zh: "合计",
    en: "Total",
};
pub const ValidUntil: Words = Words {
    zh: "有效期至",
    en: "Valid until",
};
pub const Terms: Words = Words {
    zh: "条款",
    en: "Terms",
};
pub const SaveDraft: Words = Words {
    zh: "存为草稿",
    en: "Save draft",
};
pub const SaveAndSend: Words = Words {
    zh: "保存并标记为已发送",
    en: "Save and mark sent",
};
pub const ProductOrText: Words = Words {
    zh: "产品或自由填写",
    en: "Product, or any text",
};
pub const Quantity: Words = Words {
    zh: "数量",
    en: "Quantity",
};
pub const UnitPrice: Words = Words {
    zh: "含税单价",
    en: "Unit price",
};
pub const DiscountPercent: Words = Words {
    zh: "折扣 %",
    en: "Discount %",
};
pub const Print: Words = Words {
    zh: "打印",
    en: "Print",
};
pub const MarkAccepted: Words = Words {
    zh: "客户已接受",
    en: "Accepted",
};
pub const MarkRejected: Words = Words {
    zh: "客户已拒绝",
    en: "Rejected",
};
pub const Revise: Words = Words {
    zh: "修订为新版本",
    en: "Revise",
};
pub const MakeContract: Words = Words {
    zh: "转为合同",
    en: "Make a contract",
};
pub const ContractTitle: Words = Words {
    zh: "合同名称",
    en: "Contract title",
};
pub const PaymentTerms: Words = Words {
    zh: "付款条件",
    en: "Payment terms",
};
pub const SignContract: Words = Words {
    zh: "签订合同",
    en: "Sign the contract",
};
pub const LeftToDeliver: Words = Words {
    zh: "未发",
    en: "Left to deliver",
};
pub const PaymentPlan: Words = Words {
    zh: "付款计划",
    en: "Payment plan",
};
pub const NoDueDateYet: Words = Words {
    zh: "日期待定",
    en: "No date yet",
};
pub const PrintDeliveryNote: Words = Words {
    zh: "打印发货单",
    en: "Print delivery note",
};
pub const DeliveryRecorded: Words = Words {
    zh: "发货已记录",
    en: "Delivery recorded",
};
pub const RecordDelivery: Words = Words {
    zh: "记录发货",
    en: "Record a delivery",
};
pub const Warehouse: Words = Words {
    zh: "仓库",
    en: "Warehouse",
};
pub const ReceiptsToConfirm: Words = Words {
    zh: "待确认的收款",
    en: "Receipts to confirm",
};
pub const Products: Words = Words {
    zh: "产品",
    en: "Products",
};
pub const AddProduct: Words = Words {
    zh: "新增产品",
    en: "Add a product",
};
pub const ProductCode: Words = Words {
    zh: "产品编码",
    en: "Code",
};
pub const ProductName: Words = Words {
    zh: "产品名称",
    en: "Name",
};
pub const Spec: Words = Words {
    zh: "规格型号",
    en: "Model / spec",
};
pub const Unit: Words = Words {
    zh: "单位", en: "Unit"
};
pub const ListPrice: Words = Words {
    zh: "标准价（元）",
    en: "List price (yuan)",
};
pub const TaxRatePercent: Words = Words {
    zh: "税率 %",
    en: "Tax rate %",
};
pub const ExportXlsx: Words = Words {
    zh: "导出 Excel",
    en: "Export XLSX",
};
pub const ReceivedOn: Words = Words {
    zh: "收款日期",
    en: "Received on",
};
pub const Reference: Words = Words {
    zh: "流水号 / 票号",
    en: "Reference",
};
pub const DeliveredOn: Words = Words {
    zh: "发货日期",
    en: "Delivered on",
};
pub const SubmitForApproval: Words = Words {
    zh: "提交审批",
    en: "Submit for approval",
};
pub const MarkCompleted: Words = Words {
    zh: "标记为已完成",
    en: "Mark completed",
};
pub const CancelContract: Words = Words {
    zh: "取消合同",
    en: "Cancel the contract",
};
pub const ImportProducts: Words = Words {
    zh: "从 CSV / Excel 导入产品",
    en: "Import products from CSV or XLSX",
};
pub const FindInQuotes: Words = Words {
    zh: "查找报价（产品、编号、备注）",
    en: "Find a quote (product, number, notes)",
};
pub const RefundOrCreditNote: Words = Words {
    zh: "退款或折让",
    en: "Refund or credit note",
};
pub const Refund: Words = Words {
    zh: "退款",
    en: "Refund",
};
pub const CreditNote: Words = Words {
    zh: "折让",
    en: "Credit note",
};
pub const CreditReason: Words = Words {
    zh: "原因",
    en: "Reason",
};
pub const SetDueDate: Words = Words {
    zh: "设定到期日",
    en: "Set the due date",
};
pub const WriteOff: Words = Words {
    zh: "作坏账",
    en: "Write off",
};
pub const Aging: Words = Words {
    zh: "账龄",
    en: "Aging",
};
pub const AgingBoundaries: Words = Words {
    zh: "账龄分段（逾期天数，逗号分隔）",
    en: "Aging buckets (days past due, comma-separated)",
};
pub const DunningLevels: Words = Words {
    zh: "催款级别（逾期天数，负数为到期前提醒；发出人）",
    en: "Dunning levels (days past due, negative before the due date; who sends)",
};
pub const AddLevel: Words = Words {
    zh: "添加级别",
    en: "Add a level",
};
pub const Payables: Words = Words {
    zh: "应付款",
    en: "Payables",
};
pub const Suppliers: Words = Words {
    zh: "供应商",
    en: "Suppliers",
};
pub const AddSupplier: Words = Words {
    zh: "新增供应商",
    en: "Add a supplier",
};
pub const SupplierName: Words = Words {
    zh: "供应商名称",
    en: "Supplier name",
};
pub const Contact: Words = Words {
    zh: "联系人",
    en: "Contact",
};
pub const Phone: Words = Words {
    zh: "电话",
    en: "Phone",
};
pub const OwedToSupplier: Words = Words {
    zh: "应付", en: "Owed"
};
pub const Prepaid: Words = Words {
    zh: "预付",
    en: "Prepaid",
};
pub const Purchases: Words = Words {
    zh: "采购合同",
    en: "Purchases",
};
pub const NewPurchase: Words = Words {
    zh: "签订采购合同",
    en: "Sign a purchase",
};
pub const SignedOn: Words = Words {
    zh: "签订日期",
    en: "Signed on",
};
pub const GoodsReceived: Words = Words {
    zh: "登记收货",
    en: "Goods received",
};
pub const ReceivedGoodsOn: Words = Words {
    zh: "收货日期",
    en: "Received on",
};
pub const Payments: Words = Words {
    zh: "付款",
    en: "Payments",
};
pub const RecordPayment: Words = Words {
    zh: "登记付款",
    en: "Record a payment",
};
pub const Unallocated: Words = Words {
    zh: "未核销",
    en: "Unallocated",
};
pub const PaymentDate: Words = Words {
    zh: "付款日期",
    en: "Paid on",
};
pub const Paid: Words = Words {
    zh: "付款", en: "Paid"
};
pub const PaidByMethod: Words = Words {
    zh: "付款方式",
    en: "Paid by method",
};
pub const PartlyPaid: Words = Words {
    zh: "部分已付",
    en: "Partly paid",
};
pub const StillOwed: Words = Words {
    zh: "未付",
    en: "still owed",
};
