package io.yubin.filter.spam;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Synthetic messages: ham and spam drawn from word lists that overlap in their common words. */
final class Messages {

    static final String[] COMMON = {"the", "and", "you", "for", "this", "with", "have", "are", "your", "will"};
    static final String[] HAM = {"meeting", "patch", "kernel", "review", "lunch", "build", "release", "thanks",
        "agenda", "commit", "branch", "merge", "friday", "notes", "draft"};
    static final String[] SPAM = {"free", "offer", "winner", "cash", "viagra", "mortgage", "casino", "click",
        "guaranteed", "prize", "discount", "credit", "loan", "urgent", "bonus"};

    private Messages() {
    }

    static byte[] message(Random random, boolean spam, int id) {
        String[] own = spam ? SPAM : HAM;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String[] list = random.nextInt(3) == 0 ? own : COMMON;
            body.append(list[random.nextInt(list.length)]).append(i % 12 == 11 ? "\r\n" : " ");
        }
        return ("From: " + (spam ? "promo@deals.example" : "colleague@work.example") + "\r\n"
                + "Subject: " + own[random.nextInt(own.length)] + " " + own[random.nextInt(own.length)] + "\r\n"
                + "Message-ID: <" + id + "@host.example>\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }
}
