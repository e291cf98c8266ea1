import Foundation
import MarketStore
import Testing

/// `docs/schema.sql` is today's schema, so that a reviewer reads it in one place and sees each
/// migration's effect as a diff of that file.
@Suite("The schema in one file")
struct SchemaTests {
    @Test func docsSchemaIsTodaysSchema() throws {
        let committed = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/schema.sql"), encoding: .utf8)
        let today = try AppDatabase.schemaText()
        #expect(today.contains(#"CREATE TABLE "user" ("#) && today.contains("CREATE TRIGGER budget_holder_account"))
        #expect(committed == today, "docs/schema.sql is stale: regenerate it with `.build/debug/supportmarket schema > docs/schema.sql`")
    }
}
