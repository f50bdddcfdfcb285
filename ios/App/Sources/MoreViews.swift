import MoaCore
import MoaKit
import SafariServices
import SwiftUI

struct ProductSheetView: View {
    @ObservedObject var model: Watch<ProductModel>
    let section: String
    let position: UInt32
    @State private var mall: URL?

    var body: some View {
        let product = model.model
        ScrollView {
            if product.sheet == nil, let error = product.error {
                // The product could not be opened: say so, with a retry — never an empty sheet.
                VStack(spacing: 16) {
                    Text(errorKey(error)).font(.headline)
                    Button("retry") { Task { await product.retry() } }.buttonStyle(.borderedProminent)
                }
                .padding(32)
            }
            if let sheet = product.sheet {
                VStack(alignment: .leading, spacing: 8) {
                    // A new product starts at its first photo.
                    Gallery(photos: sheet.photos, label: sheet.title).id(sheet.productId)
                    HStack {
                        Text(sheet.mallName).font(.caption).foregroundStyle(.secondary)
                        Spacer()
                        // The core's attributed link and line, for the share sheet.
                        if let share = try? product.shareLink(), let url = URL(string: share.url) {
                            ShareLink(item: url, message: Text(share.text)) { Label("share", systemImage: "square.and.arrow.up") }
                        }
                        Button(sheet.mallFollowed ? "unfollow" : "follow") {
                            Task { await product.toggleFollow() }
                        }
                        .buttonStyle(.bordered)
                    }
                    Text(sheet.title).font(.title3)
                    HStack {
                        if let off = sheet.discountPercent { Text("\(off)%").foregroundStyle(.pink).bold() }
                        Text(sheet.priceText).font(.title2).bold()
                        if let struck = sheet.originalPriceText { Text(struck).strikethrough().foregroundStyle(.secondary) }
                    }
                    if !sheet.inStock { Text("sold.out").foregroundStyle(.red) }
                    Text("sizes").font(.headline)
                    ScrollView(.horizontal) {
                        HStack {
                            ForEach(sheet.variants, id: \.id) { v in
                                // Selects the size (찜 keeps it); it never toggles the 찜 itself.
                                Button([v.color, v.size].compactMap { $0 }.joined(separator: " / ")) {
                                    product.selectVariant(v.id)
                                }
                                .buttonStyle(.bordered)
                                .tint(product.selectedVariant == v.id ? .pink : .gray)
                                .disabled(!v.available)
                            }
                        }
                    }
                    ContactRow(options: sheet.contact, hours: sheet.contactHours)
                    if !sheet.elsewhere.isEmpty {
                        Text("also.elsewhere").font(.headline)
                        ForEach(sheet.elsewhere, id: \.productId) { offer in
                            Button {
                                Task { await product.open(offer.productId) }
                            } label: {
                                HStack {
                                    // Each mall's own photo of the item.
                                    Photo(url: offer.imageUrl, aspectRatio: nil, placeholder: nil, width: 160, label: offer.title).frame(width: 48)
                                    Text(offer.mallName)
                                    Spacer()
                                    Text(offer.priceText)
                                    if offer.lowest { Text("lowest").font(.caption).foregroundStyle(.green) }
                                }
                            }
                        }
                    }
                }
                .padding()
            }
        }
        // The bar stays at the bottom while the sheet scrolls: the warning, 찜 and "go to mall".
        .safeAreaInset(edge: .bottom) {
            if let sheet = product.sheet {
                VStack(alignment: .leading, spacing: 8) {
                    if let notice = product.notice { Text(notice).foregroundStyle(.red) }
                    if let error = product.error { Text(errorKey(error)).foregroundStyle(.red) }
                    HStack {
                        Button {
                            Task { await product.toggleWishlist() }
                        } label: {
                            Image(systemName: product.wishlisted ? "heart.fill" : "heart").foregroundStyle(product.wishlisted ? .pink : .primary)
                        }
                        .accessibilityLabel(Text(product.wishlisted ? "wishlist.remove" : "wishlist.add"))
                        .buttonStyle(.bordered)
                        Button(product.checking ? "checking" : product.awaitingConfirmation ? "go.anyway" : "go.to.mall") {
                            Task { await product.goToMall(section: section, position: position) }
                        }
                        .buttonStyle(.borderedProminent)
                        .frame(maxWidth: .infinity)
                        .disabled(product.checking || !sheet.inStock)
                    }
                }
                .padding()
                .background(.bar)
            }
        }
        // The core's link, opened as it is, once.
        .onChange(of: product.openMall?.outlinkId) {
            if let link = product.openMall, let url = URL(string: link.url) {
                mall = url
                product.mallOpened()
            }
        }
        .fullScreenCover(item: $mall, onDismiss: { Task { await product.returnedFromMall() } }) { url in
            SafariView(url: url)
        }
        .sheet(isPresented: Binding(get: { product.rescue != nil }, set: { if !$0 { Task { await product.rescueDismissed() } } })) {
            if let rescue = product.rescue {
                List {
                    Section(rescue.title) {
                        ForEach(rescue.cards, id: \.productId) { card in
                            Button("\(card.mallName) · \(card.title) · \(card.priceText)") {
                                Task { await product.rescueTapped(card.productId) }
                            }
                        }
                    }
                }
            }
        }
        .onDisappear { Task { await product.close() } }
    }
}

extension URL: @retroactive Identifiable {
    public var id: String { absoluteString }
}

/// The mall in SFSafariViewController.
struct SafariView: UIViewControllerRepresentable {
    let url: URL
    func makeUIViewController(context: Context) -> SFSafariViewController { SFSafariViewController(url: url) }
    func updateUIViewController(_ controller: SFSafariViewController, context: Context) {}
}

struct OnboardingView: View {
    @ObservedObject var model: Watch<OnboardingModel>
    let finished: () -> Void

    var body: some View {
        let onboarding = model.model
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                Text("onboarding.title").font(.title2).bold()
                // The core's words with the core's labels, in the shopper's language.
                chips(onboarding.vocabulary.genders, selected: { onboarding.gender == $0 }) { g in
                    onboarding.gender = onboarding.gender == g ? nil : g
                }
                Text("onboarding.age").font(.headline)
                chips(onboarding.vocabulary.ageBands, selected: { onboarding.ageBand == $0 }) { a in
                    onboarding.ageBand = onboarding.ageBand == a ? nil : a
                }
                Text("onboarding.styles").font(.headline)
                chips(onboarding.vocabulary.styles, selected: { onboarding.styles.contains($0) }) { onboarding.toggleStyle($0) }
                Button("onboarding.done") { Task { await onboarding.finish() } }.buttonStyle(.borderedProminent)
                Button("onboarding.skip") { onboarding.skip() }
            }
            .padding()
        }
        .onChange(of: onboarding.done) { if onboarding.done { finished() } }
    }

    private func chips(_ choices: [Choice], selected: @escaping (String) -> Bool, tap: @escaping (String) -> Void) -> some View {
        ScrollView(.horizontal, showsIndicators: false) {
            HStack {
                ForEach(choices, id: \.word) { choice in
                    // The label is the core's, already in the shopper's language: shown verbatim.
                    Button(choice.label) { tap(choice.word) }
                        .buttonStyle(.bordered)
                        .tint(selected(choice.word) ? .pink : .gray)
                }
            }
        }
    }
}

struct SearchView: View {
    @ObservedObject var model: Watch<SearchModel>
    let open: (String, String, Int) -> Void
    @State private var text = ""

    var body: some View {
        let search = model.model
        NavigationStack {
            ScrollView {
                if !search.text.isEmpty {
                    Text(search.typoTolerant ? "search.typo" : "search.count \(search.countText)")
                        .font(.footnote)
                }
                LazyVGrid(columns: [GridItem(), GridItem()]) {
                    ForEach(Array(search.cards.enumerated()), id: \.element.productId) { index, card in
                        CardView(card: card, width: 400) {
                            Task { await search.toggleWishlist(card) }
                        }
                            .onTapGesture { open(card.productId, "search", index) }
                    }
                }
                .padding(.horizontal)
            }
            .searchable(text: $text, prompt: Text("search.hint"))
            .onChange(of: text) { Task { await search.search(text) } }
        }
    }
}

struct WishlistView: View {
    @ObservedObject var model: Watch<WishlistModel>
    let open: (String, String, Int) -> Void

    var body: some View {
        let wishlist = model.model
        NavigationStack {
            List {
                if wishlist.items.isEmpty { Text("wishlist.empty") }
                ForEach(Array(wishlist.items.enumerated()), id: \.element.productId) { index, item in
                    HStack {
                        Photo(url: item.imageUrl, aspectRatio: nil, placeholder: nil, width: 160, label: item.title).frame(width: 64)
                        VStack(alignment: .leading) {
                            Text(item.mallName).font(.caption2).foregroundStyle(.secondary)
                            Text(item.title).font(.footnote)
                            Text(!item.listed ? String(localized: "delisted") : !item.inStock ? String(localized: "sold.out") : item.priceText)
                        }
                    }
                    .onTapGesture { if item.listed { open(item.productId, "wishlist", index) } }
                    .swipeActions { Button("wishlist.remove", role: .destructive) { Task { await wishlist.remove(item.productId) } } }
                }
            }
            // Read when shown; the model reads again on every wishlist change the core reports.
            .task { await wishlist.load() }
            .navigationTitle("tab.wishlist")
        }
    }
}

struct MallsView: View {
    @ObservedObject var model: Watch<MallsModel>
    @ObservedObject var page: Watch<MallPageModel>
    let open: (String, String, Int) -> Void

    var body: some View {
        let malls = model.model
        NavigationStack {
            List(malls.followed, id: \.mallId) { mall in
                HStack {
                    if let photo = mall.imageUrls.first {
                        Photo(url: photo, aspectRatio: 1, placeholder: nil, width: 160, label: mall.name).frame(width: 44)
                    }
                    NavigationLink(mall.name) { MallPageView(model: page, mallId: mall.mallId, open: open) }
                    Spacer()
                    Button("unfollow") { Task { await malls.setFollowed(mall.mallId, false) } }.buttonStyle(.bordered)
                }
            }
            .task { await malls.load() }
            .navigationTitle("tab.malls")
        }
    }
}

struct SettingsView: View {
    @ObservedObject var model: Watch<AccountModel>
    let orders: OrdersModel
    @State private var username = ""
    @State private var password = ""

    var body: some View {
        let account = model.model
        NavigationStack {
            Form {
                Button("orders") { Task { await orders.show() } }
                Section("nudges") {
                    Toggle("nudge.viewed.cheaper", isOn: Binding(get: { account.alerts?.nudgeViewedCheaper ?? true },
                                                                 set: { on in Task { await account.setNudge(.viewedCheaper, on: on) } }))
                    Toggle("nudge.last.size", isOn: Binding(get: { account.alerts?.nudgeLastSize ?? true },
                                                            set: { on in Task { await account.setNudge(.lastSize, on: on) } }))
                    Toggle("nudge.cart", isOn: Binding(get: { account.alerts?.nudgeCart ?? true },
                                                       set: { on in Task { await account.setNudge(.cartReminder, on: on) } }))
                }
                Toggle("consent", isOn: Binding(get: { account.eventConsent }, set: { on in Task { await account.setEventConsent(on) } }))
                if let signedIn = account.account {
                    Text("signed.in.as \(signedIn.username)")
                    Button("sign.out") { Task { await account.signOut(keepOnDevice: false) } }
                    Button("sign.out.keep") { Task { await account.signOut(keepOnDevice: true) } }
                    Button("sign.out.everywhere") { Task { await account.signOutEverywhere() } }.disabled(account.busy)
                } else {
                    TextField("username", text: $username).textInputAutocapitalization(.never)
                    SecureField("password", text: $password)
                    Button("sign.in") { Task { await account.signIn(username: username, password: password) } }.disabled(account.busy)
                }
                if let error = account.error { Text(errorKey(error)).foregroundStyle(.red) }
            }
            .task { await account.load() }
            .navigationTitle("tab.settings")
        }
    }
}

/// "문의하기": the core's ways to ask the mall (a KakaoTalk chat, Channel Talk, a call, an email
/// with the product written in), each opened as the core gave it, and when the mall answers.
struct ContactRow: View {
    let options: [ContactOption]
    let hours: String?
    @Environment(\.openURL) private var openURL

    var body: some View {
        if !options.isEmpty {
            VStack(alignment: .leading, spacing: 4) {
                Text("ask.the.mall").font(.headline)
                HStack {
                    ForEach(options, id: \.url) { option in
                        if let url = URL(string: option.url) {
                            Button(option.label) { openURL(url) }.buttonStyle(.bordered)
                        }
                    }
                }
                if let hours { Text(hours).font(.caption2).foregroundStyle(.secondary) }
            }
        }
    }
}

/// "주문·배송": every order Moa referred, across malls, the latest moved first — photo, mall,
/// what was bought, the status and amount in the core's words, and the parcel's tracking page
/// when the core knows the carrier. Pull to bring what the malls reported since.
struct OrdersView: View {
    @ObservedObject var model: Watch<OrdersModel>
    let open: (String, String, Int) -> Void
    @Environment(\.openURL) private var openURL
    /// Deleting cannot be undone (the server forgets too): confirmed first.
    @State private var confirming = false

    var body: some View {
        let orders = model.model
        NavigationStack {
            List {
                if orders.orders.isEmpty && !orders.refreshing { Text("orders.empty") }
                ForEach(Array(orders.orders.enumerated()), id: \.element.orderId) { index, order in
                    HStack {
                        if !order.imageUrl.isEmpty {
                            Photo(url: order.imageUrl, aspectRatio: nil, placeholder: nil, width: 160, label: order.title).frame(width: 64)
                        }
                        VStack(alignment: .leading) {
                            Text(order.mallName).font(.caption2).foregroundStyle(.secondary)
                            Text(order.title).font(.footnote)
                            Text("\(order.statusLabel) · \(order.total)")
                            if let number = order.trackingNumber { Text("\(order.carrier ?? "") \(number)").font(.caption2) }
                        }
                        Spacer()
                        if let url = order.trackingUrl.flatMap(URL.init(string:)) {
                            Button("track.parcel") { openURL(url) }.buttonStyle(.borderless)
                        }
                    }
                    .onTapGesture { if !order.productId.isEmpty { open(order.productId, "orders", index) } }
                }
                if !orders.orders.isEmpty {
                    Button("delete.order.history", role: .destructive) { confirming = true }
                        .confirmationDialog("delete.order.history", isPresented: $confirming) {
                            Button("delete.order.history.confirm", role: .destructive) { Task { await orders.deleteHistory() } }
                        }
                }
                if let error = orders.error { Text(errorKey(error)).foregroundStyle(.red) }
            }
            .refreshable { await orders.refresh() }
            .navigationTitle("orders")
            .toolbar { Button("close") { orders.hide() } }
        }
    }
}

/// A mall's page: name, concept, audience, follow, and its products in this shopper's order.
struct MallPageView: View {
    @ObservedObject var model: Watch<MallPageModel>
    let mallId: String
    let open: (String, String, Int) -> Void

    var body: some View {
        let mall = model.model
        ScrollView {
            if let page = mall.page, page.mallId == mallId {
                VStack(alignment: .leading, spacing: 8) {
                    HStack {
                        VStack(alignment: .leading) {
                            Text(page.name).font(.title2).bold()
                            Text(page.styles.joined(separator: " · ")).font(.caption)
                            Text(page.audience).font(.caption2).foregroundStyle(.secondary)
                        }
                        Spacer()
                        Button(page.followed ? "unfollow" : "follow") { Task { await mall.toggleFollow() } }.buttonStyle(.bordered)
                    }
                    ContactRow(options: page.contact, hours: page.contactHours)
                    LazyVGrid(columns: [GridItem(), GridItem()]) {
                        ForEach(Array(page.cards.enumerated()), id: \.element.productId) { index, card in
                            CardView(card: card, width: 400) { Task { await mall.toggleWishlist(card) } }
                                .onTapGesture { open(card.productId, "mall:\(page.mallId)", index) }
                        }
                    }
                }
                .padding()
            } else if let error = mall.error {
                Text(errorKey(error)).padding()
            }
        }
        .task(id: mallId) { await mall.open(mallId) }
    }
}

func errorKey(_ error: UiError) -> LocalizedStringKey {
    switch error {
    case .offline: "offline.banner"
    case .retryLater: "error.retry"
    case .signInNeeded: "error.sign.in"
    case .wrongCredentials: "error.wrong.credentials"
    case .notFound: "error.not.found"
    case .updateNeeded: "error.update"
    case .failed: "error.failed"
    }
}

/// The sheet's photos, swiped sideways: the main one first, then the product's others (the
/// core's `photos`); the page dots only when there is more than one.
struct Gallery: View {
    let photos: [String]
    let label: String
    @State private var shown = 0

    var body: some View {
        TabView(selection: $shown) {
            ForEach(Array(photos.enumerated()), id: \.offset) { index, url in
                Photo(url: url, aspectRatio: nil, placeholder: nil, width: 800, label: label).tag(index)
            }
        }
        .tabViewStyle(.page(indexDisplayMode: photos.count > 1 ? .always : .never))
        .aspectRatio(0.8, contentMode: .fit)
        .accessibilityValue("\(shown + 1) / \(photos.count)")
    }
}
