import ArgumentParser
@main struct Supportmarket: AsyncParsableCommand { func run() async throws {} }
