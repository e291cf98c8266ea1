import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// `GET /v1/reports` lists the commissioning reports; `GET /v1/reports/{name}` answers one for a
/// council and a range of days, as JSON (default), CSV or a self-contained HTML page, chosen by
/// `?format=` or else the `Accept` header.
struct ReportController {
    let reports: ReportStore

    enum Format: String, CaseIterable {
        case json, csv, html
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("v1/reports", context: AuthenticatedContext.self)
        group.get(use: list)
        group.get(":name", use: show)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> ReportListResponse {
        ReportListResponse(items: ReportName.allCases.map(ReportSummaryResponse.init))
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        guard let name = context.parameters.get("name").flatMap(ReportName.init(rawValue:)) else {
            throw MarketError.notFound(resource: "report")
        }
        let format = try request.queryValue("format", as: Format.self) ?? Self.negotiated(request.headers[.accept])
        let period = try CouncilPeriod(
            council: try request.queryIdentifier("council_id", as: CouncilID.self) ?? context.principal.councilID,
            from: try request.queryDay("from"), to: try request.queryDay("to"))
        let report = try await reports.report(name, for: period, by: context.policy)
        switch format {
        case .json:
            return try OrderedJSONEncoder().encode(ReportResponse(report), from: request, context: context)
        case .csv:
            return Self.document(
                report.csv, type: "text/csv; charset=utf-8; header=present",
                disposition: "attachment; filename=\"\(report.fileName).csv\"")
        case .html:
            return Self.document(report.html, type: "text/html; charset=utf-8", disposition: "inline; filename=\"\(report.fileName).html\"")
        }
    }

    /// CSV or HTML when the `Accept` header asks for it (and not for JSON first); JSON otherwise.
    static func negotiated(_ accept: String?) -> Format {
        guard let accept else { return .json }
        for range in accept.split(separator: ",") {
            switch range.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() {
            case "application/json": return .json
            case "text/csv": return .csv
            case "text/html": return .html
            default: continue
            }
        }
        return .json
    }

    static func document(_ text: String, type: String, disposition: String) -> Response {
        let bytes = ByteBuffer(string: text)
        return Response(
            status: .ok,
            headers: [
                .contentType: type, .contentDisposition: disposition, .contentLength: String(bytes.readableBytes),
                // A page that may run nothing and load nothing from anywhere.
                .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
            ],
            body: .init(byteBuffer: bytes))
    }
}

struct ReportListResponse: ResponseEncodable, Sendable {
    let items: [ReportSummaryResponse]
}

struct ReportSummaryResponse: Encodable, Sendable {
    let name: String
    let title: String
    let summary: String
    let formats: [String]
    /// Who may read it, besides platform admins.
    let readers: [Role]

    init(_ name: ReportName) {
        self.name = name.rawValue
        title = name.title
        summary = name.summary
        formats = ReportController.Format.allCases.map(\.rawValue)
        readers = [.councilAdmin, .commissioner] + (name.readableByFinance ? [.finance] : [])
    }
}

/// A report as JSON: its columns once, then each row's labels and figures by column key. A
/// withheld figure is `{"value": null, "suppressed": true}`; one that does not apply to its row
/// is `{"value": null, "suppressed": false}`.
struct ReportResponse: ResponseEncodable, Sendable {
    let report: String
    let title: String
    let summary: String
    let councilId: CouncilID
    let councilName: String
    let from: CalendarDay
    let to: CalendarDay
    let generatedAt: String
    let suppression: Suppression
    let notes: [String]
    let sections: [Section]
    let columns: [Column]
    let rows: [RowResponse]

    struct Suppression: Encodable, Sendable {
        let threshold: Int
        let withheldFigures: Int
    }

    struct Section: Encodable, Sendable {
        let key: String
        let title: String
    }

    struct Column: Encodable, Sendable {
        let key: String
        let title: String
        let kind: String
        let unit: String
    }

    struct Figure: Encodable, Sendable {
        let value: Nullable<Double>
        let suppressed: Bool
    }

    /// `labels` and `figures` are objects keyed by column, in column order.
    struct RowResponse: Encodable, Sendable {
        let section: String
        let total: Bool
        let labels: [(String, String?)]
        let figures: [(String, Figure)]

        enum CodingKeys: String, CodingKey { case section, total, labels, figures }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(section, forKey: .section)
            try container.encode(total, forKey: .total)
            var labelObject = container.nestedContainer(keyedBy: DynamicCodingKey.self, forKey: .labels)
            for (key, label) in labels { try labelObject.encode(Nullable(label), forKey: DynamicCodingKey(stringValue: key)) }
            var figureObject = container.nestedContainer(keyedBy: DynamicCodingKey.self, forKey: .figures)
            for (key, figure) in figures { try figureObject.encode(figure, forKey: DynamicCodingKey(stringValue: key)) }
        }
    }

    init(_ report: Report) {
        let table = report.table
        self.report = report.name.rawValue
        title = report.name.title
        summary = report.name.summary
        councilId = report.period.council
        councilName = report.councilName
        from = report.period.from
        to = report.period.to
        generatedAt = report.generatedAt
        suppression = Suppression(threshold: ReportTable.smallNumberThreshold, withheldFigures: table.suppressedCount)
        notes = report.notes
        sections = table.sections.map { Section(key: $0.key, title: $0.title) }
        columns = table.labels.map { Column(key: $0.key, title: $0.title, kind: "label", unit: $0.unit.rawValue) }
            + table.figures.map { Column(key: $0.key, title: $0.title, kind: "figure", unit: $0.unit.rawValue) }
        rows = table.rows.map { row in
            RowResponse(
                section: row.section, total: row.isTotal, labels: zip(table.labels.map(\.key), row.labels).map { ($0, $1) },
                figures: zip(table.figures, row.figures).map { column, figure in
                    (column.key, Figure(value: Nullable(figure.value.map(column.unit.rounded)), suppressed: figure.suppressed))
                })
        }
    }
}
