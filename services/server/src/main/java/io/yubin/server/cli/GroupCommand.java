package io.yubin.server.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.yubin.server.Yubin;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** A command such as {@code domain} whose subcommands are the actual operations. */
abstract class GroupCommand implements Callable<Integer> {

    abstract CommandSpec spec();

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec().commandLine(),
                "missing subcommand: one of " + String.join(", ", spec().subcommands().keySet()));
    }

    PrintWriter out() {
        return spec().commandLine().getOut();
    }

    PasswordInput passwords() {
        return ((Yubin) spec().parent().userObject()).passwords();
    }

    static ObjectNode object() {
        return AdminClient.json().createObjectNode();
    }
}
