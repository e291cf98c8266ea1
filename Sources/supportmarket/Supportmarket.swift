import ArgumentParser

/// The command line: argument parsing only; all work happens in the libraries.
@main
struct Supportmarket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supportmarket",
        abstract: "The backend of a marketplace for social care and community support.",
        subcommands: [
            Serve.self, Migrate.self, Schema.self, Seed.self, CheckLedger.self, CheckText.self, InvoiceRun.self, RegulatorCommand.self, Backup.self,
            Restore.self, ReportCommand.self, UserCommand.self, TokenCommand.self,
        ],
        defaultSubcommand: Serve.self)
}
