package org.idefics4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code idefics4j} command line. */
@Command(name = "idefics4j", mixinStandardHelpOptions = true, version = "idefics4j 0.1.0",
        description = "IDEFICS vision-language model in pure Java.",
        subcommands = {
                ForwardCommand.class,
                InspectCommand.class,
                BenchCommand.class,
                GenerateCommand.class,
                ChatCommand.class,
                TokenizeCommand.class,
                PreprocessCommand.class,
                ProcessCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl;
    }

    /** Turns failures into one clear line on stderr instead of a stack trace. */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
            String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            cl.getErr().println("error: " + msg);
            if (Boolean.getBoolean("idefics4j.stacktrace")) ex.printStackTrace(cl.getErr());
            return 1;
        }
    }
}
